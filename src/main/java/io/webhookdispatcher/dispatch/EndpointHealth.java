package io.webhookdispatcher.dispatch;

/**
 * Told what each attempt says about its endpoint's health, for auto-disable ({@code operations.AutoDisable}).
 * Called by the scheduler outside its lock, from the sender's threads: implementations must be quick and
 * thread-safe, and must never block (Kafka writes go to a thread of their own).
 */
public interface EndpointHealth {
    EndpointHealth NONE = new EndpointHealth() {
        @Override
        public void answered(Lane lane, long now) {}

        @Override
        public void failed(Lane lane, long now, DeliveryOutcome outcome) {}

        @Override
        public void deferred(Lane lane) {}
    };

    /** The endpoint answered in a way that shows it is up (2xx, 3xx, a 4xx other than 429). */
    void answered(Lane lane, long now);

    /** The endpoint is unwell: no answer, a 5xx or a 429 ({@link DeliveryScheduler#endpointUnwell}). */
    void failed(Lane lane, long now, DeliveryOutcome outcome);

    /** A delivery was put back on the retry path without an attempt (circuit open, slow, queue full). */
    void deferred(Lane lane);
}
