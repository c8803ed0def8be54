package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.Lease;
import java.time.Instant;
import java.util.Objects;

/**
 * One attempt-to-be of one event to one subscription.
 *
 * @param deliveryId     the {@code webhook-id}: the same for every attempt, also after a restart
 * @param body           the event's value exactly as consumed; sent and signed verbatim
 * @param eventType      for metrics and dead-letter headers
 * @param occurredAt     the event's own timestamp (or the record's), for the lag metric
 * @param origin         where the event was first consumed
 * @param attempt        the number of the attempt to make, 1 for the first
 * @param firstAttemptAt null until the first attempt was made
 * @param deferrals      times it was deferred since its last attempt (bounds re-deferral: each goes a step further)
 * @param deferredSince  when it was first deferred, null if never: with the first attempt, where its time runs from
 * @param last           the last failed attempt, carried for the dead-letter headers; null before any
 * @param lease          the hold on the partition of the record it came from: it may start only while active
 */
public record Delivery(
        Lane lane,
        String deliveryId,
        byte[] key,
        byte[] body,
        String eventType,
        Instant occurredAt,
        Origin origin,
        int attempt,
        Instant firstAttemptAt,
        int deferrals,
        Instant deferredSince,
        Attempted last,
        Lease lease) {

    public Delivery {
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(deliveryId, "deliveryId");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(lease, "lease");
    }

    /** The event's first home: topic, partition and offset on the events topic. */
    public record Origin(String topic, int partition, long offset, long timestamp) {}

    /** A failed attempt: when it started and what it came to. */
    public record Attempted(Instant at, DeliveryOutcome.Failure failure) {}

    /** As attempted now: the first-attempt time is set once. */
    Delivery attemptedAt(Instant at) {
        return firstAttemptAt != null
                ? this
                : new Delivery(
                        lane,
                        deliveryId,
                        key,
                        body,
                        eventType,
                        occurredAt,
                        origin,
                        attempt,
                        at,
                        deferrals,
                        deferredSince,
                        last,
                        lease);
    }

    /** Since when it has been on the failure path: its first attempt or its first deferral, whichever came first. */
    public Instant pendingSince() {
        if (firstAttemptAt == null) {
            return deferredSince;
        }
        return deferredSince == null || firstAttemptAt.isBefore(deferredSince) ? firstAttemptAt : deferredSince;
    }
}
