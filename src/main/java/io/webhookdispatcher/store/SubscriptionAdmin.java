package io.webhookdispatcher.store;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Reads and writes {@code topics.subscriptions} for an operator (the {@code subscriptions} command): each write is
 * decided on the topic as it is once every earlier writer is done ({@link SubscriptionWriter}), so a version compared
 * is the one on the topic. Implemented on Kafka, and in memory by the command's tests.
 */
public interface SubscriptionAdmin extends AutoCloseable {
    /** Every stored subscription, by id, as the topic holds them now. */
    SortedMap<String, StoredSubscription> records();

    /** Decides {@code edit} on the subscription's current record and writes what it decided, acknowledged. */
    Outcome write(String id, Edit edit);

    /** The schema the records are read and sealed with. */
    StoredSchema schema();

    @Override
    void close();

    /** A change decided on the topic as it is: its subscription's current record, and the others it counts. */
    @FunctionalInterface
    interface Edit {
        Decision decide(Map<String, StoredSubscription> topic);
    }

    /** What an edit decided. */
    sealed interface Decision {}

    /** Write this record. */
    record Put(StoredSubscription record) implements Decision {}

    /** Write a tombstone: the subscription is deleted. */
    record Remove(String id) implements Decision {}

    /** What a write came to. */
    sealed interface Outcome {}

    /** Written and acknowledged: the record, or empty for a deletion. */
    record Written(Optional<StoredSubscription> record) implements Outcome {}

    /** Nothing written: the request was made before (a create retried with its {@code Idempotency-Key}). */
    record Existing(StoredSubscription record) implements Decision, Outcome {}

    /** Nothing written: why, fit to show the operator. */
    record Refusal(Reason reason, List<String> messages) implements Decision, Outcome {
        public Refusal {
            Objects.requireNonNull(reason, "reason");
            messages = List.copyOf(messages);
        }

        static Refusal of(Reason reason, String message) {
            return new Refusal(reason, List.of(message));
        }
    }

    enum Reason {
        NOT_FOUND,
        /** The id exists already, or is the config file's. */
        CONFLICT,
        /** The version is not the one expected (the command reports it as {@link #CONFLICT}, as it always did). */
        VERSION_MISMATCH,
        /** The subscription is not valid, or its secrets cannot be sealed or opened. */
        INVALID,
        /** The {@code Idempotency-Key} came before with another request. */
        KEY_REUSED;

        /** The reason as the {@code subscriptions} command reports it. */
        public Reason reported() {
            return this == VERSION_MISMATCH ? CONFLICT : this;
        }
    }
}
