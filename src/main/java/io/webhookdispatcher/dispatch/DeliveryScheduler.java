package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Runs deliveries so that one subscription's trouble costs only that subscription. Each subscription is a {@link
 * Lane} with its own queue. A delivery goes through four owners, in one direction:
 *
 * <pre>
 *   submit ──► {@link Admission} (enqueue / defer / abandon) ──► lane queue ──► pump: {@link PermitPool}, token,
 *   Retry-After ──► send (HTTP on the sender's threads) ──► released (permit, speed, circuit) ──► {@link Outcomes}:
 *   delivered, or the {@link FailurePath} (retry topic, dead letter); deferrals and abandonments go there too
 * </pre>
 *
 * <b>Back-pressure.</b> The events loop pauses ({@link #saturated}) while some lane that keeps up (circuit closed,
 * not slow) has a quarter of its queue bound queued, and resumes once every such lane is under an eighth. A slow or
 * failing lane never pauses it: its excess is deferred instead, so the events topic moves at the pace of the healthy
 * subscriptions. Which lanes are slow, and what they hold beyond {@code maxQueueDelay}, is settled by {@link #tick}
 * (every few ms, on the timer thread): {@link #saturated} only asks.
 *
 * <p>Never blocks its caller: submission only queues or hands off. Every submitted delivery's future completes
 * exactly once: DURABLE when delivered or durably on the retry path, or DROPPED when its lease stopped being active
 * before it started (or ended before its outcome was written). The lock guards every lane's state, the ready queue
 * and the permits; nothing slow (HTTP, Kafka writes, logging of outcomes) runs under it.
 */
public final class DeliveryScheduler {
    /**
     * @param maxInFlight    concurrent HTTP requests in all
     * @param maxQueued      deliveries one lane may hold waiting for a permit
     * @param maxQueuedBytes bytes of bodies one lane may hold waiting, and again under way
     * @param maxQueueDelay  a lane whose queue would take longer than this to drain is slow
     * @param maxRetryAfter  the longest {@code Retry-After} that holds a lane back
     * @param maxInFlightPerWorkspace concurrent HTTP requests of one workspace's subscriptions together
     */
    public record Bounds(
            int maxInFlight,
            int maxQueued,
            long maxQueuedBytes,
            Duration maxQueueDelay,
            Duration maxRetryAfter,
            int maxInFlightPerWorkspace) {
        public Bounds {
            if (maxInFlight < 1 || maxQueued < 1 || maxQueuedBytes < 1 || maxInFlightPerWorkspace < 1) {
                throw new IllegalArgumentException("bounds must be positive");
            }
        }

        /** No per-workspace bound beyond the total. */
        public Bounds(
                int maxInFlight, int maxQueued, long maxQueuedBytes, Duration maxQueueDelay, Duration maxRetryAfter) {
            this(maxInFlight, maxQueued, maxQueuedBytes, maxQueueDelay, maxRetryAfter, maxInFlight);
        }
    }

    /** Lanes with work the tick looks at, besides those whose queue could pause the consumer. */
    static final int TICK_LANES = 512;

    private final Subscriptions subscriptions;
    private final Clock clock;
    private final Bounds bounds;
    private final Admission admission;
    private final SlowLanes slowLanes;
    private final Outcomes outcomes;
    private final Object lock = new Object();
    // guarded by lock:
    private final PermitPool permits;
    private final ArrayDeque<Lane> ready = new ArrayDeque<>(); // lanes with queued work
    private volatile long lanesVersion = -1; // of the subscriptions the permit slices were computed for
    private final BackPressure backPressure;
    private boolean timedWait; // a lane waits for a token or a Retry-After

    /**
     * @param subscriptions the lanes (removed ones included: they still hold permits while their requests finish)
     * @param attemptLog    told every delivered attempt (the failure path reports the others)
     * @param health        told every attempt's health signal and every deferral (auto-disable)
     */
    public DeliveryScheduler(
            Subscriptions subscriptions,
            FailurePath failures,
            AttemptLog attemptLog,
            EndpointHealth health,
            io.webhookdispatcher.metrics.DispatcherMetrics metrics,
            Clock clock,
            Bounds bounds) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.bounds = Objects.requireNonNull(bounds, "bounds");
        this.admission = new Admission(bounds);
        this.slowLanes = new SlowLanes(bounds.maxQueueDelay());
        this.permits = new PermitPool(bounds.maxInFlight(), bounds.maxInFlightPerWorkspace(), bounds.maxQueuedBytes());
        this.backPressure = new BackPressure(bounds);
        this.outcomes = new Outcomes(failures, attemptLog, health, metrics, clock);
        lanesChanged();
    }

    /** Recomputes the permits' fair shares now (the tick does it within a few ms of any change to the lanes). */
    public void lanesChanged() {
        synchronized (lock) {
            lanesVersion = subscriptions.version();
            permits.resize(subscriptions.activeCount());
        }
        pump();
    }

    /**
     * Takes on the deliveries of one record (one message, one retry state); the future completes once all are durable
     * (or dropped). Those admission defers for one reason go back to the retry path together, in one record
     * ({@link Admitted}). Never blocks.
     */
    public CompletableFuture<RecordCompletion> submitAll(List<Delivery> deliveries) {
        long now = clock.millis();
        var admitted = new Admitted(deliveries.size());
        synchronized (lock) {
            for (Delivery delivery : deliveries) {
                var job = new Job(delivery);
                admitted.add(job);
                // under the lock: a drain (which holds it) either sees this job queued or made the lease inactive first
                if (!delivery.lease().active()) {
                    job.done.complete(RecordCompletion.DROPPED); // nothing depends on it yet
                    continue;
                }
                Lane lane = delivery.lane();
                Admission.Decision decision = admission.decide(lane, job.bytes(), now, l -> slowLanes.classify(l, now));
                if (decision instanceof Admission.Defer d) {
                    admitted.defer(job, d.reason(), d.atLeastMillis(), likely(lane, d.reason(), now));
                } else if (decision instanceof Admission.Abandon a) {
                    admitted.abandon(job, a.reason());
                } else {
                    lane.enqueue(job);
                    markReady(lane);
                    backPressure.queued(lane);
                    admitted.enqueued();
                }
            }
        }
        admitted.abandoned().forEach(a -> a.job().handOn(j -> outcomes.abandon(j, a.reason())));
        admitted.deferred().forEach(outcomes::deferTogether);
        if (admitted.anyEnqueued()) {
            pump();
        }
        return admitted.all();
    }

    /**
     * The lease is draining: its queued deliveries complete DROPPED now, so the drain waits only for started work.
     * Deliveries under way finish normally.
     */
    public void drain(Lease lease) {
        List<Job> dropped = new ArrayList<>();
        Runnable wake;
        synchronized (lock) {
            for (Lane lane : ready) {
                lane.removeQueued(job -> job.delivery.lease() == lease, dropped::add);
            }
            wake = dropped.isEmpty() ? null : backPressure.resumable(clock.millis());
        }
        dropped.forEach(job -> job.done.complete(RecordCompletion.DROPPED));
        run(wake);
    }

    /**
     * Whether the events loop should pause ({@link BackPressure}). Asked by its poll thread after every poll; changes
     * nothing but the answer it remembers, so that once it turns false {@code wake} is run (once, from any thread).
     */
    public boolean saturated(Runnable wake) {
        long now = clock.millis();
        synchronized (lock) {
            return backPressure.saturated(now, wake);
        }
    }

    /**
     * Every few ms, on the timer thread: re-computes the fair shares if the lanes changed, re-classifies lanes with
     * work (up to {@link #TICK_LANES}, and those whose queue could pause the consumer), empties lanes that may not
     * start, sends what slow or held-back lanes hold beyond {@code maxQueueDelay} back to the retry path, and starts
     * deliveries that waited only for a token or a receiver's Retry-After.
     */
    public void tick() {
        if (subscriptions.version() != lanesVersion) {
            lanesChanged();
        }
        long now = clock.millis();
        List<SlowLanes.Trimmed> trimmed = new ArrayList<>();
        var stopped = new Stopped(); // also here: a pump stops early while every permit is taken
        boolean due;
        Runnable wake;
        synchronized (lock) {
            slowLanes.refreshFastest(now);
            // those that waited longest for a turn (the pump notes waits as it passes lanes), then those that could
            // pause the consumer: looking at all of 10,000 lanes with work 50 times a second took a third of the CPU
            var lanes = ready.iterator();
            for (int i = 0; i < TICK_LANES && lanes.hasNext(); i++) {
                Lane lane = lanes.next();
                look(lane, now, stopped, trimmed);
                if (!lane.hasQueued()) {
                    lane.ready(false);
                    lanes.remove();
                }
            }
            for (Lane lane : backPressure.heavy()) {
                look(lane, now, stopped, trimmed); // an emptied one leaves the ready queue when the pump reaches it
            }
            slowLanes.reclassifyIdle(now);
            due = timedWait;
            timedWait = false;
            wake = backPressure.resumable(now);
        }
        stopped.finish(outcomes, now);
        trimmed.forEach(
                t -> t.job().handOn(job -> defer(job, t.why().reason(), t.why().atLeastMillis())));
        if (due) {
            pump();
        }
        run(wake);
    }

    /** Guarded by lock: empties the lane if it may not start, notes its waits, trims it if slow or held back. */
    private void look(Lane lane, long now, Stopped stopped, List<SlowLanes.Trimmed> trimmed) {
        Job head = lane.head();
        if (head != null && !stopped.take(lane, head, now)) {
            permits.waits(lane, head, now);
        }
        slowLanes.trim(lane, now, trimmed);
    }

    /**
     * Starts what the lanes' bounds allow; lanes take turns. Sends, deferrals, abandonments and drops happen outside
     * the lock.
     */
    private void pump() {
        var stopped = new Stopped();
        List<Job> start = new ArrayList<>();
        Runnable wake;
        long now = clock.millis();
        synchronized (lock) {
            int passedOver = 0; // lanes passed over in a row because they cannot start now
            // with every permit taken nothing can start: stop rather than pass over every lane with work (each submit
            // and each finished request pumps; the lanes take their turns where this pass stopped)
            while (passedOver < ready.size() && permits.anyFree()) {
                Lane lane = ready.pollFirst();
                Job head = lane.head();
                if (head == null) {
                    lane.ready(false);
                } else if (stopped.take(lane, head, now)) {
                    requeue(lane);
                } else if (!startable(lane, head, now)) {
                    ready.addLast(lane);
                    passedOver++;
                } else {
                    start.add(starting(lane, now));
                    passedOver = 0;
                    requeue(lane);
                }
            }
            wake = backPressure.resumable(now);
        }
        stopped.finish(outcomes, now);
        start.forEach(job -> job.handOn(this::send));
        run(wake);
    }

    /** Guarded by lock: the lane's head starts, with a permit; a half-open circuit's first start is its probe. */
    private Job starting(Lane lane, long now) {
        boolean probe = lane.breaker().probing(now);
        CircuitBreaker.Transition transition = lane.breaker().starting(now);
        if (transition != null) {
            outcomes.transitioned(lane, transition);
        }
        Job job = permits.start(lane);
        job.probe = probe;
        return job;
    }

    /**
     * Guarded by lock: a permit (reserved slice or shared pool), room in the lane's byte bound (what it holds under
     * way: a hung endpoint with large events must not hold the whole memory bound in its requests), no Retry-After,
     * and a token if rate-limited.
     */
    private boolean startable(Lane lane, Job head, long now) {
        if (permits.waits(lane, head, now) || !permits.available(lane)) {
            return false;
        }
        if (lane.held(now) || !lane.takeToken(now)) {
            timedWait = true;
            return false;
        }
        return true;
    }

    private void send(Job job) {
        Delivery d = job.delivery;
        Instant startedAt = clock.instant();
        Delivery attempt = d.attemptedAt(startedAt);
        CompletableFuture<DeliveryOutcome> sent;
        try {
            sent = d.lane().endpoint().send(d.message().deliveryId(), d.body());
        } catch (RuntimeException bug) {
            sent = CompletableFuture.failedFuture(bug);
        }
        sent.whenComplete((outcome, error) -> {
            try {
                if (error != null) {
                    released(job, null); // a bug, but it must not leak the permit or wedge a probe
                    throw new IllegalStateException("the sender failed instead of classifying an outcome", error);
                }
                released(job, outcome);
                outcomes.attempted(job, attempt, outcome, startedAt);
            } catch (RuntimeException | Error bug) {
                job.done.completeExceptionally(bug);
            }
        });
    }

    /** An attempt ended (outcome null: the sender failed): frees its permit, feeds the lane and its breaker, pumps. */
    private void released(Job job, DeliveryOutcome outcome) {
        Lane lane = job.delivery.lane();
        long now = clock.millis();
        CircuitBreaker.Transition transition = null;
        boolean unwell = false;
        synchronized (lock) {
            permits.finished(lane, job);
            if (outcome != null) {
                lane.observe(outcome.elapsed(), now, outcome.responded());
                if (outcome.responded()) {
                    slowLanes.responded(lane);
                }
                if (outcome instanceof DeliveryOutcome.Retryable r
                        && r.retryAfter().isPresent()) {
                    lane.holdUntil(now
                            + Math.min(
                                    r.retryAfter().get().toMillis(),
                                    bounds.maxRetryAfter().toMillis()));
                }
            }
            if (outcome != null && outcome.result() == DeliveryOutcome.AttemptResult.BLOCKED_DESTINATION) {
                lane.breaker().notReached(job.probe); // no connection was made: no health signal
            } else {
                unwell = outcome == null || Outcomes.endpointUnwell(outcome);
                transition = lane.breaker().record(unwell, job.probe, now);
            }
        }
        if (transition != null) {
            outcomes.transitioned(lane, transition);
        }
        if (outcome != null && outcome.result() != DeliveryOutcome.AttemptResult.BLOCKED_DESTINATION) {
            outcomes.health(lane, now, outcome, unwell);
        }
        pump();
    }

    /** Back on the retry path; a deferral other than circuit-open counts toward the lane's backlog estimate. */
    private void defer(Job job, DeferralReason reason, long atLeastMillis) {
        long now = clock.millis();
        long likely;
        synchronized (lock) {
            likely = likely(job.delivery.lane(), reason, now);
        }
        outcomes.defer(job, reason, atLeastMillis, likely);
    }

    /** Guarded by lock: counts a deferral (other than circuit-open) and says when the lane can likely take it. */
    private long likely(Lane lane, DeferralReason reason, long now) {
        if (reason == DeferralReason.CIRCUIT_OPEN) {
            return 0;
        }
        lane.deferredOne(now);
        return lane.backlogEstimateMillis(now);
    }

    private void markReady(Lane lane) {
        if (!lane.ready()) {
            lane.ready(true);
            ready.addLast(lane);
        }
    }

    private void requeue(Lane lane) {
        if (lane.hasQueued()) {
            ready.addLast(lane);
        } else {
            lane.ready(false);
        }
    }

    private static void run(Runnable wake) {
        if (wake != null) {
            wake.run();
        }
    }
}
