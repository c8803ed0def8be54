package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.dispatch.DeliveryOutcome;

/** Decides what happens after an attempt, and releases the delivery's source record once that is durable. */
@FunctionalInterface
public interface OutcomeHandler {
    void handle(Delivery delivery, DeliveryOutcome outcome);
}
