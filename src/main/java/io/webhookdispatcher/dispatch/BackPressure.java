package io.webhookdispatcher.dispatch;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Whether the events loop should stop reading: while some lane that keeps up (active, circuit closed, not slow) has
 * a quarter of its queue bound queued; once paused, until every such lane is under an eighth. A slow or failing lane
 * never pauses it: its excess is deferred instead. Remembers its last answer and how to wake the loop that got it, so
 * a paused loop is woken exactly once when it may read again. Guarded by the scheduler's lock; lanes without queued
 * work never hold the loop back, so only the lanes whose queue reached the resume mark are looked at.
 */
final class BackPressure {
    private static final Runnable NOBODY = () -> {};

    private final int pauseAt;
    private final long pauseAtBytes;
    private final long maxQueueDelayMillis;
    private boolean saturated;
    private final Set<Lane> heavy = new LinkedHashSet<>(); // lanes whose queue may hold the consumer back
    private Runnable wake = NOBODY;

    BackPressure(DeliveryScheduler.Bounds bounds) {
        this.pauseAt = Math.max(1, bounds.maxQueued() / 4);
        this.pauseAtBytes = Math.max(1, bounds.maxQueuedBytes() / 4);
        this.maxQueueDelayMillis = bounds.maxQueueDelay().toMillis();
    }

    /**
     * A delivery was queued on this lane: if its queue is now long enough to hold the consumer back in either state,
     * the lane is among those {@link #saturated(long, Runnable)} looks at. Only those: with thousands of lanes
     * holding a delivery or two each, walking every lane with work after every poll was a third of the CPU.
     */
    void queued(Lane lane) {
        if (holdsBack(lane, true)) {
            heavy.add(lane);
        }
    }

    /** {@link #saturated(Iterable, long, Runnable)} over the lanes that may hold the consumer back. */
    boolean saturated(long now, Runnable wakeLoop) {
        return saturated(heavy(), now, wakeLoop);
    }

    /** {@link #resumable(Iterable, long)} over the lanes that may hold the consumer back. */
    Runnable resumable(long now) {
        if (!saturated) {
            return null; // as resumable(Iterable, long) answers; the set is pruned by the next saturated() instead
        }
        return resumable(heavy(), now);
    }

    /** The lanes whose queue may hold the consumer back (those that shrank since are dropped first). */
    Set<Lane> heavy() {
        heavy.removeIf(lane -> !holdsBack(lane, true)); // those whose queue has since shrunk
        return heavy;
    }

    /** The loop asks; {@code wakeLoop} is run (once) when the answer turns false. */
    boolean saturated(Iterable<Lane> withWork, long now, Runnable wakeLoop) {
        boolean result = false;
        for (Lane lane : withWork) {
            result |= keepsUp(lane, now) && holdsBack(lane, saturated);
        }
        saturated = result;
        wake = result ? Objects.requireNonNull(wakeLoop, "wakeLoop") : NOBODY;
        return result;
    }

    /**
     * The loop was told to pause and no lane that keeps up still holds it back: returns what wakes it (to be run
     * outside the lock), once per pause; otherwise null.
     */
    Runnable resumable(Iterable<Lane> withWork, long now) {
        if (!saturated) {
            return null;
        }
        for (Lane lane : withWork) {
            if (keepsUp(lane, now) && holdsBack(lane, true)) {
                return null;
            }
        }
        saturated = false;
        Runnable w = wake;
        wake = NOBODY;
        return w;
    }

    /**
     * Not held back by its own state: the consumer waits for it rather than deferring its deliveries. A lane held by a
     * receiver's Retry-After longer than {@code maxQueueDelay} does not keep up: its queue goes back to the retry path
     * at the next tick, and the loop need not wait for that.
     */
    private boolean keepsUp(Lane lane, long now) {
        return lane.active()
                && !lane.breaker().rejecting(now)
                && !lane.slow()
                && lane.holdRemainingMillis(now) <= maxQueueDelayMillis;
    }

    /** Whether this lane's queue keeps the consumer paused (or, if not paused, would pause it). */
    private boolean holdsBack(Lane lane, boolean paused) {
        int count = paused ? pauseAt / 2 : pauseAt;
        long bytes = paused ? pauseAtBytes / 2 : pauseAtBytes;
        return lane.queued() >= Math.max(1, count) || lane.queuedBytes() >= Math.max(1, bytes);
    }
}
