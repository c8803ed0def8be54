package io.webhookdispatcher.dispatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
    /**
     * Cloned per id, never updated itself: {@link UUID#nameUUIDFromBytes} looks MD5 up in the security providers on
     * every call, which was 2.5% of the events consumer's time in the fan-out-1 benchmark.
     */
    private static final MessageDigest MD5 = md5();

    private DeliveryIds() {}

    /** @param topicId the events topic's Kafka topic id (see {@link TopicIncarnations}) */
    public static String of(String topicId, String topic, int partition, long offset, String subscriptionId) {
        Objects.requireNonNull(topicId, "topicId");
        String name = topicId + "/" + topic + "/" + partition + "/" + offset + "/" + subscriptionId;
        return nameUuid(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** {@link UUID#nameUUIDFromBytes}: a version 3 (MD5, name-based) UUID, the same bits. */
    static UUID nameUuid(byte[] name) {
        byte[] md5;
        try {
            md5 = ((MessageDigest) MD5.clone()).digest(name);
        } catch (CloneNotSupportedException e) {
            return UUID.nameUUIDFromBytes(name);
        }
        md5[6] = (byte) ((md5[6] & 0x0f) | 0x30); // version 3
        md5[8] = (byte) ((md5[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer bits = ByteBuffer.wrap(md5);
        return new UUID(bits.getLong(), bits.getLong());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a required JDK algorithm", e);
        }
    }
}
