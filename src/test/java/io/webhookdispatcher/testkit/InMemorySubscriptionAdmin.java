package io.webhookdispatcher.testkit;

import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/** topics.subscriptions as a map, each write decided as the Kafka writer decides it (on a copy of the topic). */
public final class InMemorySubscriptionAdmin implements SubscriptionAdmin {
    private final SortedMap<String, StoredSubscription> topic;
    private final StoredSchema schema;
    private final Supplier<RuntimeException> failure;
    private int writes;

    /**
     * @param topic   the records, changed by the writes
     * @param failure what every write throws (e.g. a KafkaException), or null for none
     */
    public InMemorySubscriptionAdmin(
            SortedMap<String, StoredSubscription> topic, StoredSchema schema, Supplier<RuntimeException> failure) {
        this.topic = topic;
        this.schema = schema;
        this.failure = failure;
    }

    /** Records written (puts and tombstones), not refusals or idempotent answers. */
    public int writes() {
        return writes;
    }

    @Override
    public SortedMap<String, StoredSubscription> records() {
        return new TreeMap<>(topic);
    }

    @Override
    public Outcome write(String id, Edit edit) {
        RuntimeException failed = failure.get();
        if (failed != null) {
            throw failed;
        }
        Decision decision = edit.decide(new TreeMap<>(topic));
        if (decision instanceof Outcome answered) { // a refusal, or the subscription an earlier request made
            return answered;
        }
        writes++;
        if (decision instanceof Put put) {
            topic.put(id, put.record());
            return new Written(Optional.of(put.record()));
        }
        topic.remove(id);
        return new Written(Optional.empty());
    }

    @Override
    public StoredSchema schema() {
        return schema;
    }

    @Override
    public void close() {}
}
