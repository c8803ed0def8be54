package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.PendingRecord;
import java.time.Instant;

/**
 * One attempt-to-be of one event to one subscription.
 *
 * @param deliveryId     the {@code webhook-id}: the same for every attempt, also after a restart
 * @param body           the event's value exactly as consumed; sent and signed verbatim
 * @param eventType      for metrics and dead-letter headers
 * @param occurredAt     the event's own timestamp (or the record's), for the lag metric
 * @param origin         where the event was first consumed
 * @param attempt        1 for the first attempt
 * @param firstAttemptAt null until the first attempt was made
 * @param source         the consumed record (events or retry topic) whose offset waits for this delivery
 */
public record Delivery(Lane lane, String deliveryId, byte[] key, byte[] body, String eventType,
                       Instant occurredAt, Origin origin, int attempt, Instant firstAttemptAt,
                       PendingRecord source) {

    /** The event's first home: topic, partition and offset on the events topic. */
    public record Origin(String topic, int partition, long offset, long timestamp) {
    }
}
