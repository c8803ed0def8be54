package io.webhookdispatcher.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * Delivery ids ({@code webhook-id}) derived from where the event sits in Kafka and who it is for, so a redelivered
 * record (after a crash or rebalance) gets the same id and receivers can de-duplicate.
 *
 * <p>The name hashed is {@code topicId/topic/partition/offset/subscription}. The topic id (Kafka's {@code Uuid} of
 * the topic, base64) changes when a topic is deleted and created again, whose offsets restart at 0: without it, the
 * new topic's events would repeat the old ones' ids and a de-duplicating receiver would drop them. Only the first
 * delivery derives the id; retries and dead letters carry it in {@code webhook.delivery-id}, so every attempt, retry
 * and replay of one (record, subscription) keeps it.
 */
public final class DeliveryIds {
    private DeliveryIds() {}

    /** @param topicId the events topic's Kafka topic id (see {@link TopicIncarnations}) */
    public static String of(String topicId, String topic, int partition, long offset, String subscriptionId) {
        Objects.requireNonNull(topicId, "topicId");
        String name = topicId + "/" + topic + "/" + partition + "/" + offset + "/" + subscriptionId;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
