package io.webhookdispatcher.dispatch;

import java.util.function.Predicate;

/**
 * What happens to a delivery offered to its lane, decided from the lane's state alone (no side effects):
 *
 * <pre>
 *   lane auto-disabled ─────────────────────────────────────────────► abandon: dead letter (endpoint-disabled)
 *   circuit open (or probing) ──────────────────────────────────────► defer: retry path, no attempt used
 *   queue at maxQueued / maxQueuedBytes ────────────────────────────► defer (queue-full)
 *   a Retry-After holds it longer than maxQueueDelay ───────────────► defer (rate-limited)
 *   queue would take > maxQueueDelay and the lane is slow ──────────► defer (slow, rate-limited)
 *   otherwise ──────────────────────────────────────────────────────► enqueue
 * </pre>
 *
 * Called under the scheduler's lock.
 */
final class Admission {
    sealed interface Decision {}

    /** Queued for a permit. */
    record Enqueue() implements Decision {}

    /** Back on the retry path, due no earlier than {@code atLeastMillis} from now. */
    record Defer(DeferralReason reason, long atLeastMillis) implements Decision {}

    /** Never attempted: dead-lettered with {@code reason}. */
    record Abandon(String reason) implements Decision {}

    static final Decision ENQUEUE = new Enqueue();

    private final DeliveryScheduler.Bounds bounds;

    Admission(DeliveryScheduler.Bounds bounds) {
        this.bounds = bounds;
    }

    /** @param slow whether the lane is slow now (classified only when its queue is long enough to matter) */
    Decision decide(Lane lane, int bytes, long now, Predicate<Lane> slow) {
        if (lane.endpointDisabled()) {
            return new Abandon(lane.inactiveReason()); // dead-lettered, to be replayed once it is enabled again
        }
        if (lane.breaker().rejecting(now)) {
            return new Defer(DeferralReason.CIRCUIT_OPEN, lane.breaker().millisUntilProbe(now));
        }
        if (lane.queued() >= bounds.maxQueued()
                || (lane.hasQueued() && lane.queuedBytes() + bytes > bounds.maxQueuedBytes())) {
            return new Defer(DeferralReason.QUEUE_FULL, lane.dueEstimateMillis(now));
        }
        long limit = bounds.maxQueueDelay().toMillis();
        if (lane.holdRemainingMillis(now) > limit) {
            return new Defer(DeferralReason.RATE_LIMITED, lane.holdRemainingMillis(now));
        }
        // a slow lane keeps only what it can send within maxQueueDelay, so it never holds a record back for longer
        if (lane.drainEstimateMillis(now) >= limit && slow.test(lane)) {
            return new Defer(paced(lane, now), lane.dueEstimateMillis(now));
        }
        return ENQUEUE;
    }

    /** The reason for a slow lane's deferral: paced from outside, or slow by its endpoint's speed. */
    static DeferralReason paced(Lane lane, long now) {
        return lane.rateLimited(now) ? DeferralReason.RATE_LIMITED : DeferralReason.SLOW;
    }
}
