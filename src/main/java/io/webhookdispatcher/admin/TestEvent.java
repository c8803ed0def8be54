package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Subscription;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The {@code webhook.test} event that {@code POST /v1/subscriptions/{id}/test} and {@code subscriptions test} send:
 * shaped as the CRM's record events (so a receiver's parser takes it), signed and sent as any delivery, and what
 * its attempt came to, as both report it.
 */
public final class TestEvent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestEvent() {}

    /** A new delivery id for a test: {@code test_} and 24 hex digits. */
    public static String deliveryId(SecureRandom random) {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return "test_" + HexFormat.of().formatHex(b);
    }

    /** The body sent to {@code subscription}, stored under {@code id}. */
    public static byte[] body(Subscription subscription, String deliveryId, Instant now) {
        ObjectNode event = JSON.createObjectNode()
                .put("targetUrl", subscription.url().toString())
                .put("eventName", "webhook.test");
        event.putObject("objectMetadata").putNull("id").put("nameSingular", "webhook");
        subscription
                .workspaceId()
                .ifPresentOrElse(w -> event.put("workspaceId", w), () -> event.putNull("workspaceId"));
        event.put("webhookId", subscription.id()).put("eventDate", now.toString());
        event.putObject("record").put("id", deliveryId).put("test", true);
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code deliveryId}, {@code delivered}, {@code result}, {@code latencyMs}, {@code status} and any error. */
    public static ObjectNode result(String deliveryId, DeliveryOutcome outcome) {
        ObjectNode json = JSON.createObjectNode()
                .put("deliveryId", deliveryId)
                .put("delivered", outcome instanceof DeliveryOutcome.Delivered)
                .put("result", outcome.result().label)
                .put("latencyMs", outcome.elapsed().toMillis());
        if (outcome instanceof DeliveryOutcome.Delivered d) {
            json.put("status", d.status());
            return json;
        }
        var failure = outcome instanceof DeliveryOutcome.Retryable r
                ? r.failure()
                : ((DeliveryOutcome.Permanent) outcome).failure();
        if (failure.status() > 0) {
            json.put("status", failure.status());
        } else {
            json.putNull("status");
        }
        // a refused address is named to nobody: the message says what a name resolves to inside the cluster
        boolean blocked = failure.errorClass().equals(DestinationGuard.BLOCKED_DESTINATION);
        json.put(
                "error",
                blocked || failure.errorMessage().isEmpty()
                        ? failure.errorClass()
                        : failure.errorClass() + ": " + failure.errorMessage());
        return json;
    }
}
