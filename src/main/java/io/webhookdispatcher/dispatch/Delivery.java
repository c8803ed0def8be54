package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.Lease;
import java.time.Instant;
import java.util.Objects;

/**
 * One attempt-to-be of one event to one subscription: what is sent ({@link Message}, the same for every attempt),
 * how far along the retry path it is ({@link RetryState}), and the run-time handles it is scheduled with.
 *
 * @param lane  its subscription at run time
 * @param lease the hold on the partition of the record it came from: it may start only while active
 */
public record Delivery(Message message, RetryState retry, Lane lane, Lease lease) {

    public Delivery {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(lease, "lease");
    }

    /** A first attempt, straight from the events topic. */
    public static Delivery first(Message message, Lane lane, Lease lease) {
        return new Delivery(message, RetryState.FIRST, lane, lease);
    }

    /**
     * What is delivered, identical for every attempt.
     *
     * @param deliveryId the {@code webhook-id}: the same for every attempt, also after a restart
     * @param key        the record's key, kept for the retry and dead-letter records
     * @param body       the event's value exactly as consumed; sent and signed verbatim
     * @param eventType  for metrics and dead-letter headers
     * @param occurredAt the event's own timestamp (or the record's), for the lag metric; may be null
     * @param origin     where the event was first consumed
     */
    public record Message(
            String deliveryId, byte[] key, byte[] body, String eventType, Instant occurredAt, Origin origin) {
        public Message {
            Objects.requireNonNull(deliveryId, "deliveryId");
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(origin, "origin");
        }

        /** The same event for another subscription (of a record deferred for several). */
        public Message withDeliveryId(String id) {
            return new Message(id, key, body, eventType, occurredAt, origin);
        }
    }

    /**
     * How far along the retry path a delivery is.
     *
     * @param attempt        the number of the attempt to make, 1 for the first
     * @param firstAttemptAt null until the first attempt was made
     * @param deferrals      times it was deferred since its last attempt (bounds re-deferral: each goes a step further)
     * @param deferredSince  when it was first deferred, null if never: with the first attempt, where its time runs from
     * @param last           the last failed attempt, carried for the dead-letter headers; null before any
     */
    public record RetryState(
            int attempt, Instant firstAttemptAt, int deferrals, Instant deferredSince, Attempted last) {
        public static final RetryState FIRST = new RetryState(1, null, 0, null, null);

        /** Since when it has been on the failure path: its first attempt or first deferral, whichever came first. */
        public Instant pendingSince() {
            if (firstAttemptAt == null) {
                return deferredSince;
            }
            return deferredSince == null || firstAttemptAt.isBefore(deferredSince) ? firstAttemptAt : deferredSince;
        }
    }

    /** The event's first home: topic, partition and offset on the events topic. */
    public record Origin(String topic, int partition, long offset, long timestamp) {}

    /** A failed attempt: when it started and what it came to. */
    public record Attempted(Instant at, DeliveryOutcome.Failure failure) {}

    /** The body sent and signed; shorthand for the hot path. */
    public byte[] body() {
        return message.body();
    }

    /** As attempted now: the first-attempt time is set once. */
    Delivery attemptedAt(Instant at) {
        if (retry.firstAttemptAt() != null) {
            return this;
        }
        var r = retry;
        return new Delivery(
                message, new RetryState(r.attempt(), at, r.deferrals(), r.deferredSince(), r.last()), lane, lease);
    }
}
