package io.webhookdispatcher.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which lanes are slow. A lane is slow when its queue would take longer than {@code maxQueueDelay} to drain
 * and that is its own doing: it is paced from outside (a rate limit, a receiver's Retry-After), or its endpoint
 * answers at least {@link #SLOW_RATIO}× slower than the fastest other subscription's (or, when many get responses
 * at once, than their median). Lanes that are merely busy (the machine's or a shared receiver's limit, or a backlog for
 * every subscription alike) are as slow as each other, so none of them is slow: then the consumer waits for them,
 * which costs no extra Kafka writes. Hysteresis: a slow lane keeps up again once under half the delay or half the
 * ratio. Logs each change once. Also trims what a slow or held-back lane holds beyond the delay. Guarded by the
 * scheduler's lock.
 */
final class SlowLanes {
    private static final Logger log = LoggerFactory.getLogger(SlowLanes.class);
    /** How many times slower than the fastest other subscription a lane's endpoint must be to be called slow. */
    static final double SLOW_RATIO = 4;
    /** How many lanes must have answered within a tick for their median to count (see fastestOther). */
    static final int TYPICAL_AFTER = 16;

    private final long limitMillis;
    private final Set<Lane> slow = new LinkedHashSet<>(); // the lanes classified slow, to re-check when idle
    private final Set<Lane> responded = new HashSet<>(); // lanes whose endpoint sent a response since refreshFastest
    private Lane fastest; // the two fastest enabled lanes that have had responses, as of the last refreshFastest
    private Lane second;
    private double typical; // the median latency of the lanes that answered since the last tick, when many did

    SlowLanes(Duration maxQueueDelay) {
        this.limitMillis = maxQueueDelay.toMillis();
    }

    /** Classifies {@code lane} now and records the answer on it. */
    boolean classify(Lane lane, long now) {
        long drain = lane.drainEstimateMillis(now);
        boolean paced = lane.rateLimited(now) || lane.subscription().rateLimit().isPresent();
        // its first few answers are noise, but not a request that waited longer than a queue may for no response
        // at all: 20 hung endpoints sharing a workspace's permits time out a few requests each, and must not count
        // as keeping up (their full queues pausing the consumer for everyone) until the next timeouts
        boolean known = lane.latencyKnown(now) || lane.unansweredMillis() > limitMillis;
        double ratio = known ? lane.latencyMillis(now) / fastestOther(lane, now) : 0;
        boolean isSlow = lane.slow()
                ? drain >= limitMillis / 2 && (paced || ratio >= SLOW_RATIO / 2)
                : drain > limitMillis && (paced || ratio >= SLOW_RATIO);
        if (isSlow != lane.slow()) {
            lane.slow(isSlow);
            if (isSlow) {
                slow.add(lane);
            } else {
                slow.remove(lane);
            }
            logChange(lane, now, drain, paced);
        }
        return isSlow;
    }

    /** A delivery taken off a lane's queue by {@link #trim}, and how it goes back to the retry path. */
    record Trimmed(Job job, Admission.Defer why) {}

    /**
     * What a lane holds beyond {@code maxQueueDelay} goes back to the retry path — the whole queue under a longer
     * Retry-After, the tail of a slow lane's queue — so no lane keeps a record uncommitted for longer than that (plus
     * its requests under way). Each is due no earlier than the lane could take it, after what it keeps.
     */
    void trim(Lane lane, long now, List<Trimmed> trimmed) {
        boolean held = lane.holdRemainingMillis(now) > limitMillis;
        boolean isSlow = classify(lane, now);
        if (!held && (lane.queued() <= 1 || lane.drainEstimateMillis(now) <= limitMillis || !isSlow)) {
            return;
        }
        List<Job> taken = new ArrayList<>();
        while (lane.hasQueued() && (held || (lane.queued() > 1 && lane.drainEstimateMillis(now) > limitMillis))) {
            taken.add(lane.pollTail());
        }
        var why = new Admission.Defer(Admission.paced(lane, now), lane.dueEstimateMillis(now));
        taken.forEach(job -> trimmed.add(new Trimmed(job, why)));
    }

    /** Re-classifies the slow lanes that have no queued work (the others are re-classified as their queue is). */
    void reclassifyIdle(long now) {
        for (Lane lane : List.copyOf(slow)) {
            if (!lane.hasQueued()) {
                classify(lane, now);
            }
        }
    }

    private static void logChange(Lane lane, long now, long drain, boolean paced) {
        if (lane.slow()) {
            log.warn(
                    "subscription {} is slow: its queue of {} would take {} ms to drain ({}); the consumer no"
                            + " longer waits for it and defers what it cannot queue",
                    lane.id(),
                    lane.queued(),
                    drain,
                    paced
                            ? "rate-limited"
                            : String.format(Locale.ROOT, "%.0f ms per request", lane.latencyMillis(now)));
        } else {
            log.info("subscription {} keeps up again", lane.id());
        }
    }

    /**
     * An attempt of this lane got an HTTP response: its speed changed (the only way a lane can get faster). Timeouts
     * and refused connections are not told: they say that an endpoint is unwell, not how fast receivers answer; a
     * refused connection's 1 ms would become the fastest other, and hung endpoints timing out together the typical.
     */
    void responded(Lane lane) {
        responded.add(lane);
    }

    /**
     * Once per tick: the two fastest lanes among those that had responses since the last call and the two fastest
     * before, so that no call walks every lane. A lane gets faster only by answering, so a lane left out was slower
     * than these when last seen; if these have since stalled, the "fastest other" is overestimated, which can only
     * make a lane look less slow than it is, never slower.
     */
    void refreshFastest(long now) {
        typical = median(now);
        if (fastest != null) {
            responded.add(fastest);
        }
        if (second != null) {
            responded.add(second);
        }
        fastest = null;
        second = null;
        for (Lane lane : responded) {
            double latency = lane.latencyMillis(now);
            if (latency <= 0 || lane.removed() || !lane.subscription().enabled()) {
                continue;
            }
            if (fastest == null || latency < fastest.latencyMillis(now)) {
                second = fastest;
                fastest = lane;
            } else if (second == null || latency < second.latencyMillis(now)) {
                second = lane;
            }
        }
        responded.clear();
    }

    /**
     * What a lane's latency is held against: the lowest among the other enabled lanes that have had responses (∞ if
     * none has), or, when many lanes had responses since the last tick, their median if that is higher. With thousands
     * of lanes the lowest is the luckiest of many noisy samples, and a moment when every request is slow (a GC pause,
     * a busy receiver) would make any lane with a short queue look four times slower than it.
     */
    private double fastestOther(Lane lane, long now) {
        Lane other = fastest != lane ? fastest : second;
        return Math.max(typical, other == null ? Double.POSITIVE_INFINITY : other.latencyMillis(now));
    }

    /** The median latency of the lanes that got responses, or 0 when fewer than {@link #TYPICAL_AFTER} did. */
    private double median(long now) {
        if (responded.size() < TYPICAL_AFTER) {
            return 0;
        }
        double[] latencies = responded.stream()
                .mapToDouble(l -> l.latencyMillis(now))
                .sorted()
                .toArray();
        return latencies[latencies.length / 2];
    }
}
