package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What lanes that may not start anything held: taken off their queues under the scheduler's lock, and finished after
 * it by the scheduler. A job whose partition is being given up is dropped, one of a removed or disabled subscription
 * abandoned, one behind an open circuit deferred.
 */
final class Stopped {
    // made on the first take: a pump or tick that stops no lane (nearly every one) allocates nothing for them
    private List<Job> dropped;
    private List<Job> abandoned;
    private List<Job> deferred;

    /** Guarded by the scheduler's lock: whether nothing of the lane's queue may start now; if so, takes what may not. */
    boolean take(Lane lane, Job head, long now) {
        boolean rejecting = lane.breaker().rejecting(now);
        boolean inactive = !lane.active();
        if (head.delivery.lease().active() && !rejecting && !inactive) {
            return false;
        }
        if (dropped == null) {
            dropped = new ArrayList<>();
            abandoned = new ArrayList<>();
            deferred = new ArrayList<>();
        }
        lane.removeQueued(job -> !job.delivery.lease().active() || rejecting || inactive, job -> {
            if (!job.delivery.lease().active()) {
                dropped.add(job);
            } else {
                (inactive ? abandoned : deferred).add(job);
            }
        });
        return true;
    }

    /** After the lock: drops, dead-letters and defers (until the circuit's probe) what was taken. */
    void finish(Outcomes outcomes, long now) {
        if (dropped == null) {
            return; // nothing was taken
        }
        dropped.forEach(job -> job.done.complete(RecordCompletion.DROPPED));
        abandoned.forEach(job -> job.handOn(j -> outcomes.abandon(
                j, Objects.requireNonNullElse(j.delivery.lane().inactiveReason(), "subscription-disabled"))));
        deferred.forEach(job -> job.handOn(j -> outcomes.defer(
                j, DeferralReason.CIRCUIT_OPEN, j.delivery.lane().breaker().millisUntilProbe(now), 0)));
    }
}
