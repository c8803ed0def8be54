package io.webhookdispatcher.dispatch;

import java.util.concurrent.CompletableFuture;

/**
 * Signs and sends webhooks. The dispatch core sees only this interface; {@code http.JdkWebhookSender} is the
 * implementation, and unit tests of the core use fakes.
 */
public interface WebhookSender extends AutoCloseable {

    /**
     * What one subscription's deliveries are sent with (its signer, the connection pool of its host), prepared
     * once per version of the subscription: at start-up and whenever a reload changes it. Never blocks.
     */
    Endpoint endpoint(Subscription subscription);

    /**
     * The subscriptions configured now: what a sender keeps per host for others (a client, its thread) may go once
     * the endpoints that hold it are gone. Called after each change of the subscriptions.
     */
    default void retain(java.util.Collection<Subscription> current) {}

    /** Stops new requests; requests under way fail or finish within the request timeout. */
    @Override
    void close();

    /** One subscription's destination. */
    interface Endpoint {
        /**
         * Signs {@code body} and POSTs it verbatim with {@code webhook-id: deliveryId}. Never blocks the caller
         * and never completes exceptionally: every attempt ends in a classified {@link DeliveryOutcome}.
         */
        CompletableFuture<DeliveryOutcome> send(String deliveryId, byte[] body);
    }
}
