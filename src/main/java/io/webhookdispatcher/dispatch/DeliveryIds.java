package io.webhookdispatcher.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Delivery ids ({@code webhook-id}) derived from where the event sits in Kafka and who it is for, so
 * a redelivered record (after a crash or rebalance) gets the same id and receivers can de-duplicate.
 */
public final class DeliveryIds {
    private DeliveryIds() {}

    public static String of(String topic, int partition, long offset, String subscriptionId) {
        String name = topic + "/" + partition + "/" + offset + "/" + subscriptionId;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
