package io.webhookdispatcher.dispatch;

/**
 * The {@code maxInFlight} permits, shared fairly. Half of them are reserved in equal slices, one per enabled lane (at
 * most the lane's own {@code maxInFlight}); the rest is shared. A lane always has its reserved slice, so slow lanes
 * together can take the shared pool but never a healthy lane's slice. With more enabled lanes than half the permits,
 * a slice would be less than one permit: then nothing is reserved and every permit is shared (lanes take turns, and
 * each lane's own bounds, circuit and the slow-lane deferral keep a bad one from holding many). Never more than
 * {@code maxInFlight} requests at once, also while the slices change. The subscriptions of one workspace together
 * hold at most {@code maxInFlightPerWorkspace}, so one workspace's hung endpoints cannot take the pool from the
 * others. O(1) per start and per change of the lanes. Guarded by the scheduler's lock.
 */
final class PermitPool {
    private final int maxInFlight;
    private final int maxInFlightPerWorkspace;
    private final long maxQueuedBytes; // what one lane may hold under way
    private final java.util.Map<String, Integer> byWorkspace = new java.util.HashMap<>(); // only those with some
    private int slice; // reserved permits per enabled lane
    private int sharedCapacity;
    private int sharedInUse;
    private int inUse;

    PermitPool(int maxInFlight, int maxInFlightPerWorkspace, long maxQueuedBytes) {
        this.maxInFlight = maxInFlight;
        this.maxInFlightPerWorkspace = maxInFlightPerWorkspace;
        this.maxQueuedBytes = maxQueuedBytes;
        resize(0);
    }

    /** Recomputes the slices; whenever the number of enabled (and not auto-disabled) lanes changes. */
    void resize(int enabledLanes) {
        int reservable = maxInFlight / 2;
        slice = enabledLanes <= reservable ? Math.max(1, reservable / Math.max(1, enabledLanes)) : 0;
        // an upper bound on what is reserved: a lane whose own maxInFlight is below the slice reserves less
        sharedCapacity = Math.max(0, maxInFlight - slice * Math.max(1, enabledLanes));
    }

    /** What the lane has reserved: its slice, at most its own limit; nothing once it is disabled or removed. */
    int reserved(Lane lane) {
        return lane.active() ? Math.min(slice, lane.limit()) : 0;
    }

    /**
     * Whether the lane's next delivery waits for a request under way to end, its own (the lane's bounds) or its
     * workspace's (the workspace's share), and notes since when on the lane. Not the shared pool: that is busy.
     */
    boolean waits(Lane lane, Job head, long now) {
        if (lane.inFlight() >= lane.limit()
                || (lane.inFlight() > 0 && lane.inFlightBytes() + head.bytes() > maxQueuedBytes)) {
            lane.waitsOnItsRequests(now);
            return true;
        }
        if (!workspaceRoom(lane)) {
            lane.waitsOnWorkspace(now);
            return true;
        }
        return false;
    }

    /** Whether any lane could start a request: some permit is free. While none is, no lane needs to be looked at. */
    boolean anyFree() {
        return inUse < maxInFlight;
    }

    /** Whether the lane may start one more request: within its slice, or a shared permit is free. */
    boolean available(Lane lane) {
        return inUse < maxInFlight
                && workspaceRoom(lane)
                && (lane.inFlight() < reserved(lane) || sharedInUse < sharedCapacity);
    }

    /** Whether the lane's workspace (if it has one) holds fewer than its share of the permits. */
    boolean workspaceRoom(Lane lane) {
        String workspace = lane.subscription().workspaceId().orElse(null);
        return workspace == null || byWorkspace.getOrDefault(workspace, 0) < maxInFlightPerWorkspace;
    }

    /** The lane's head starts: takes it off the queue with a permit (from the shared pool beyond its slice). */
    Job start(Lane lane) {
        boolean shared = lane.inFlight() >= reserved(lane);
        Job job = lane.start();
        if (shared) {
            lane.holdsSharedPermit();
            sharedInUse++;
        }
        inUse++;
        job.workspace = lane.subscription().workspaceId().orElse(null);
        if (job.workspace != null) {
            byWorkspace.merge(job.workspace, 1, Integer::sum);
        }
        return job;
    }

    /** A request ended: its permit goes back. */
    void finished(Lane lane, Job job) {
        if (lane.finished(job)) {
            sharedInUse--;
        }
        inUse--;
        if (job.workspace != null) {
            byWorkspace.computeIfPresent(job.workspace, (w, n) -> n == 1 ? null : n - 1);
        }
    }
}
