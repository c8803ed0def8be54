package io.webhookdispatcher.dispatch;

import java.util.Collection;

/**
 * The {@code maxInFlight} permits, shared fairly. Half of them are reserved in equal slices, one per enabled lane
 * (at least one permit each, at most the lane's own {@code maxInFlight}); the rest is shared. A lane always has its
 * reserved slice, so slow lanes together can take the shared pool but never a healthy lane's slice. Guarded by the
 * scheduler's lock.
 */
final class PermitPool {
    private final int maxInFlight;
    private int sharedInUse;
    private int sharedCapacity;

    PermitPool(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /** Recomputes the reserved slices; whenever the set of enabled lanes changes. */
    void resize(Collection<Lane> all) {
        long enabled = all.stream().filter(Lane::active).count();
        int slice = (int) Math.max(1, maxInFlight / (2 * Math.max(1, enabled)));
        int reservedTotal = 0;
        for (Lane lane : all) {
            lane.reserve(lane.active() ? Math.min(slice, lane.limit()) : 0);
            reservedTotal += lane.reserved();
        }
        sharedCapacity = Math.max(0, maxInFlight - reservedTotal);
    }

    /** Whether the lane may start one more request: within its slice, or a shared permit is free. */
    boolean available(Lane lane) {
        return lane.inFlight() < lane.reserved() || sharedInUse < sharedCapacity;
    }

    /** The lane's head starts: takes it off the queue with a permit (from the shared pool beyond its slice). */
    Job start(Lane lane) {
        Job job = lane.start();
        if (lane.holdsSharedPermit()) {
            sharedInUse++;
        }
        return job;
    }

    /** A request ended: its permit goes back. */
    void finished(Lane lane, Job job) {
        if (lane.finished(job)) {
            sharedInUse--;
        }
    }
}
