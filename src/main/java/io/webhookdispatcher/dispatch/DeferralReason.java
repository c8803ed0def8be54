package io.webhookdispatcher.dispatch;

/**
 * Why a delivery was put back on the retry path without an attempt. The wire name goes into the {@code
 * webhook.deferred-reason} header, the delivery log and the {@code reason} label of the deferral metric.
 */
public enum DeferralReason {
    /** Its subscription's circuit is open (or half-open with its one probe under way). */
    CIRCUIT_OPEN("circuit-open"),
    /** Its subscription's queue is at {@code maxQueuedPerSubscription} or its byte bound. */
    QUEUE_FULL("queue-full"),
    /** Its subscription's endpoint is much slower than the others' and its queue would take too long. */
    SLOW("slow"),
    /** Its subscription is paced from outside (a rate limit or a receiver's Retry-After) beyond the queue delay. */
    RATE_LIMITED("rate-limited");

    public final String wireName;

    DeferralReason(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
