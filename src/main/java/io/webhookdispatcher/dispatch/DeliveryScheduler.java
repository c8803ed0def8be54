package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs deliveries so that one subscription's trouble costs only that subscription. Each subscription is a
 * {@link Lane} with its own queue; {@link #submit} decides per delivery:
 *
 * <pre>
 *   circuit open (or probing) ──────────────────────────────────► defer: retry path, no attempt used
 *   queue at maxQueued / maxQueuedBytes ────────────────────────► defer (queue-full)
 *   lane slow (its queue would take > maxQueueDelay, by its own doing) and ¼ full ► defer (slow, rate-limited)
 *   otherwise ──► queue ──► start when a permit, a token and no Retry-After allow ──► HTTP ──► outcome
 * </pre>
 *
 * <b>Permits are fair.</b> Half of {@code maxInFlight} is reserved in equal slices, one per enabled lane (at least
 * one permit each, at most the lane's own {@code maxInFlight}); the rest is shared. A lane always has its
 * reserved slice, so slow lanes together can take the shared pool but never a healthy lane's slice.
 *
 * <b>Back-pressure.</b> The events loop pauses ({@link #saturated()}) while some lane that keeps up (circuit
 * closed, not slow) has a quarter of its queue bound queued, and resumes once every such lane is under an
 * eighth. A slow or failing lane never pauses it: its excess is deferred instead, so the events topic moves at
 * the pace of the healthy subscriptions.
 *
 * <p>Never blocks its caller: submission only queues or hands off, and HTTP runs on the sender's threads. Every
 * submitted delivery's future completes exactly once: DURABLE when delivered or durably on the retry path, or
 * DROPPED when its lease stopped being active before it started (or ended before its outcome was written).
 */
public final class DeliveryScheduler {
    private static final Logger log = LoggerFactory.getLogger(DeliveryScheduler.class);
    /** How many times slower than the fastest other subscription a lane's endpoint must be to be called slow. */
    static final double SLOW_RATIO = 4;

    /** Deferral reasons, as they appear in the {@code webhook.deferred-reason} header and the metric label. */
    public static final String CIRCUIT_OPEN = "circuit-open";

    public static final String QUEUE_FULL = "queue-full";
    public static final String SLOW = "slow";
    public static final String RATE_LIMITED = "rate-limited";

    /**
     * @param maxInFlight    concurrent HTTP requests in all
     * @param maxQueued      deliveries one lane may hold waiting for a permit
     * @param maxQueuedBytes bytes of bodies one lane may hold waiting, and again under way
     * @param maxQueueDelay  a lane whose queue would take longer than this to drain is slow
     * @param maxRetryAfter  the longest {@code Retry-After} that holds a lane back
     */
    public record Bounds(
            int maxInFlight, int maxQueued, long maxQueuedBytes, Duration maxQueueDelay, Duration maxRetryAfter) {
        public Bounds {
            if (maxInFlight < 1 || maxQueued < 1 || maxQueuedBytes < 1) {
                throw new IllegalArgumentException("bounds must be positive");
            }
        }

        int pauseAt() {
            return Math.max(1, maxQueued / 4);
        }

        long pauseAtBytes() {
            return Math.max(1, maxQueuedBytes / 4);
        }
    }

    /** One delivery in the scheduler and the future its record waits on. */
    static final class Job {
        final Delivery delivery;
        final CompletableFuture<RecordCompletion> done = new CompletableFuture<>();
        boolean probe; // the half-open circuit's one probe: only its result decides the circuit

        Job(Delivery delivery) {
            this.delivery = delivery;
        }
    }

    private sealed interface Admission {}

    private record Enqueue() implements Admission {}

    private record Defer(String reason, long atLeastMillis) implements Admission {}

    private record Abandon(String reason) implements Admission {}

    private static final Admission ENQUEUE = new Enqueue();

    private final Supplier<Collection<Lane>> lanes;
    private final FailurePath failures;
    private final AttemptLog attemptLog;
    private volatile EndpointHealth health = EndpointHealth.NONE;
    private final DispatcherMetrics metrics;
    private final Clock clock;
    private final Bounds bounds;
    private final Object lock = new Object();
    private final ArrayDeque<Lane> ready = new ArrayDeque<>(); // lanes with queued work, guarded by lock
    private int sharedInUse; // guarded by lock
    private int sharedCapacity; // guarded by lock
    private boolean saturated; // guarded by lock: last answer of saturated()
    private boolean wakeSent; // guarded by lock: the paused loop was woken since that answer
    private boolean timedWait; // guarded by lock: a lane waits for a token or a Retry-After
    private volatile Runnable onUnsaturated = () -> {};

    /** @param lanes every lane, removed ones included (they still hold permits while their requests finish) */
    public DeliveryScheduler(
            Supplier<Collection<Lane>> lanes,
            FailurePath failures,
            DispatcherMetrics metrics,
            Clock clock,
            Bounds bounds) {
        this(lanes, failures, AttemptLog.NONE, metrics, clock, bounds);
    }

    /** @param attemptLog told every delivered attempt (the failure path reports the others) */
    public DeliveryScheduler(
            Supplier<Collection<Lane>> lanes,
            FailurePath failures,
            AttemptLog attemptLog,
            DispatcherMetrics metrics,
            Clock clock,
            Bounds bounds) {
        this.lanes = Objects.requireNonNull(lanes, "lanes");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.attemptLog = Objects.requireNonNull(attemptLog, "attemptLog");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.bounds = Objects.requireNonNull(bounds, "bounds");
    }

    /** Told every attempt's health signal and every deferral (auto-disable). */
    public void endpointHealth(EndpointHealth health) {
        this.health = Objects.requireNonNull(health, "health");
    }

    /** Called (from any thread) when {@link #saturated()} may have turned false. */
    public void onUnsaturated(Runnable action) {
        this.onUnsaturated = Objects.requireNonNull(action, "action");
    }

    /** Recomputes the reserved slices; call whenever the set of enabled lanes changes. */
    public void lanesChanged() {
        synchronized (lock) {
            Collection<Lane> all = lanes.get();
            long enabled = all.stream().filter(Lane::active).count();
            int slice = (int) Math.max(1, bounds.maxInFlight() / (2 * Math.max(1, enabled)));
            int reservedTotal = 0;
            for (Lane lane : all) {
                lane.reserved = lane.active() ? Math.min(slice, lane.limit()) : 0;
                reservedTotal += lane.reserved;
            }
            sharedCapacity = Math.max(0, bounds.maxInFlight() - reservedTotal);
        }
        pump();
    }

    /** Takes on a delivery; the future completes once it is durable (or dropped). Never blocks. */
    public CompletableFuture<RecordCompletion> submit(Delivery delivery) {
        var job = new Job(delivery);
        Lane lane = delivery.lane();
        long now = clock.millis();
        Admission admission;
        synchronized (lock) {
            // under the lock: a drain (which holds it) either sees this job queued or made the lease inactive first
            if (!delivery.lease().active()) {
                admission = null;
            } else {
                admission = admit(lane, job, now);
                if (admission == ENQUEUE) {
                    lane.queue.addLast(job);
                    lane.queuedBytes += delivery.body().length;
                    if (!lane.ready) {
                        lane.ready = true;
                        ready.addLast(lane);
                    }
                }
            }
        }
        if (admission == null) {
            job.done.complete(RecordCompletion.DROPPED);
        } else if (admission instanceof Abandon abandon) {
            pipe(failures.abandon(delivery, abandon.reason()), job);
        } else if (admission instanceof Defer defer) {
            defer(job, defer.reason(), defer.atLeastMillis());
        } else {
            pump();
        }
        return job.done;
    }

    private Admission admit(Lane lane, Job job, long now) {
        if (lane.endpointDisabled()) {
            return new Abandon(lane.inactiveReason()); // dead-lettered, to be replayed once it is enabled again
        }
        if (lane.breaker.rejecting(now)) {
            return new Defer(CIRCUIT_OPEN, lane.breaker.millisUntilProbe(now));
        }
        if (lane.queue.size() >= bounds.maxQueued()
                || (!lane.queue.isEmpty() && lane.queuedBytes + job.delivery.body().length > bounds.maxQueuedBytes())) {
            return new Defer(QUEUE_FULL, lane.drainEstimateMillis(now));
        }
        if (lane.holdRemainingMillis(now) > bounds.maxQueueDelay().toMillis()) {
            return new Defer(RATE_LIMITED, lane.holdRemainingMillis(now));
        }
        // a slow lane keeps only what it can send within maxQueueDelay, so it never holds a record back for longer
        if (lane.drainEstimateMillis(now) >= bounds.maxQueueDelay().toMillis() && slow(lane, now)) {
            return new Defer(lane.rateLimited(now) ? RATE_LIMITED : SLOW, lane.drainEstimateMillis(now));
        }
        return ENQUEUE;
    }

    /**
     * The lease is draining: its queued deliveries complete DROPPED now, so the drain waits only for started
     * work. Deliveries under way finish normally.
     */
    public void drain(io.webhookdispatcher.consume.Lease lease) {
        List<Job> dropped = new ArrayList<>();
        boolean wake;
        synchronized (lock) {
            for (Lane lane : lanes.get()) {
                for (var it = lane.queue.iterator(); it.hasNext(); ) {
                    Job job = it.next();
                    if (job.delivery.lease() == lease) {
                        it.remove();
                        lane.queuedBytes -= job.delivery.body().length;
                        dropped.add(job);
                    }
                }
            }
            wake = !dropped.isEmpty() && resumable(clock.millis());
        }
        dropped.forEach(job -> job.done.complete(RecordCompletion.DROPPED));
        if (wake) {
            onUnsaturated.run();
        }
    }

    /**
     * Guarded by lock. A lane is slow when its queue would take longer than {@code maxQueueDelay} to drain and
     * that is its own doing: it is paced from outside (a rate limit, a receiver's Retry-After), or its endpoint
     * answers at least {@link #SLOW_RATIO}× slower than the fastest other subscription's. Lanes that are merely
     * busy (the machine's or a shared receiver's limit, or a backlog for every subscription alike) are as slow as
     * each other, so none of them is slow: then the consumer waits for them, which costs no extra Kafka writes.
     * Hysteresis: a slow lane keeps up again once under half the delay or half the ratio. Logs each change once.
     */
    private boolean slow(Lane lane, long now) {
        long limit = bounds.maxQueueDelay().toMillis();
        long drain = lane.drainEstimateMillis(now);
        boolean paced = lane.rateLimited(now) || lane.subscription().rateLimit().isPresent();
        double ratio = lane.latencyMillis(now) / fastestOther(lane, now);
        boolean slow = lane.slow
                ? drain >= limit / 2 && (paced || ratio >= SLOW_RATIO / 2)
                : drain > limit && (paced || ratio >= SLOW_RATIO);
        if (slow != lane.slow) {
            lane.slow = slow;
            if (slow) {
                log.warn(
                        "subscription {} is slow: its queue of {} would take {} ms to drain ({}); the consumer no"
                                + " longer waits for it and defers what it cannot queue",
                        lane.id(),
                        lane.queue.size(),
                        drain,
                        paced
                                ? "rate-limited"
                                : String.format(java.util.Locale.ROOT, "%.0f ms per request", lane.latencyMillis(now)));
            } else {
                log.info("subscription {} keeps up again", lane.id());
            }
        }
        return slow;
    }

    /** Guarded by lock: the lowest latency among the other enabled lanes that have answered (∞ if none has). */
    private double fastestOther(Lane lane, long now) {
        double fastest = Double.POSITIVE_INFINITY;
        for (Lane other : lanes.get()) {
            double latency = other.latencyMillis(now);
            if (other != lane
                    && latency > 0
                    && !other.removed()
                    && other.subscription().enabled()) {
                fastest = Math.min(fastest, latency);
            }
        }
        return fastest;
    }

    /**
     * True while some lane that keeps up has a quarter of its queue bound queued (hysteresis: stays true until
     * every such lane is under an eighth). Called by the events loop's poll thread after every poll; it also
     * re-classifies the lanes and defers what slow or held-back lanes hold beyond {@code maxQueueDelay}.
     */
    public boolean saturated() {
        long now = clock.millis();
        boolean result = false;
        List<Job> deferred = new ArrayList<>();
        synchronized (lock) {
            for (Lane lane : lanes.get()) {
                Job head = lane.queue.peekFirst();
                if (head != null && atOwnBound(lane, head)) {
                    lane.atOwnBound(now);
                }
                trim(lane, now, deferred);
                if (!lane.active() || lane.breaker.rejecting(now) || slow(lane, now)) {
                    continue; // its deliveries are deferred (or abandoned): no reason to stop reading
                }
                result |= holdsBack(lane, saturated);
            }
            saturated = result;
            wakeSent = false;
        }
        deferred.forEach(this::deferSlow);
        return result;
    }

    /** Guarded by lock: whether this lane's queue keeps the consumer paused (or, if not paused, would pause it). */
    private boolean holdsBack(Lane lane, boolean paused) {
        int count = paused ? bounds.pauseAt() / 2 : bounds.pauseAt();
        long bytes = paused ? bounds.pauseAtBytes() / 2 : bounds.pauseAtBytes();
        return lane.queue.size() >= Math.max(1, count) || lane.queuedBytes >= Math.max(1, bytes);
    }

    /**
     * Guarded by lock: what a lane holds beyond {@code maxQueueDelay} goes back to the retry path — the whole queue
     * under a longer Retry-After, the tail of a slow lane's queue — so no lane keeps a record uncommitted for
     * longer than that (plus its requests under way).
     */
    private void trim(Lane lane, long now, List<Job> deferred) {
        long limit = bounds.maxQueueDelay().toMillis();
        boolean held = lane.holdRemainingMillis(now) > limit;
        if (!held && (lane.queue.size() <= 1 || lane.drainEstimateMillis(now) <= limit || !slow(lane, now))) {
            return;
        }
        while (!lane.queue.isEmpty() && (held || (lane.queue.size() > 1 && lane.drainEstimateMillis(now) > limit))) {
            Job job = lane.queue.pollLast();
            lane.queuedBytes -= job.delivery.body().length;
            deferred.add(job);
        }
        if (lane.queue.isEmpty()) {
            lane.ready = false;
            ready.remove(lane);
        }
    }

    private void deferSlow(Job job) {
        Lane lane = job.delivery.lane();
        long now = clock.millis();
        defer(job, lane.rateLimited(now) ? RATE_LIMITED : SLOW, lane.drainEstimateMillis(now));
    }

    /**
     * Guarded by lock: the events loop is paused and no lane that keeps up still holds it back, so it must be
     * woken (once per pause: {@link #saturated()} re-arms it).
     */
    private boolean resumable(long now) {
        if (!saturated || wakeSent) {
            return false;
        }
        for (Lane lane : lanes.get()) {
            if (lane.active() && !lane.breaker.rejecting(now) && !lane.slow && holdsBack(lane, true)) {
                return false;
            }
        }
        wakeSent = true;
        return true;
    }

    /**
     * Starts what the lanes' bounds allow; lanes take turns. Sends, deferrals, abandonments and drops happen outside
     * the lock.
     */
    private void pump() {
        List<Job> start = null;
        List<Job> deferred = null;
        List<Job> abandoned = null;
        List<Job> dropped = null;
        boolean wake;
        long now = clock.millis();
        synchronized (lock) {
            int passedOver = 0; // lanes passed over in a row because they cannot start now
            while (passedOver < ready.size()) {
                Lane lane = ready.pollFirst();
                Job head = lane.queue.peekFirst();
                if (head == null) {
                    lane.ready = false;
                    continue;
                }
                boolean rejecting = lane.breaker.rejecting(now);
                boolean inactive = !lane.active();
                if (!head.delivery.lease().active() || rejecting || inactive) {
                    // its partition is being given up, its circuit opened, or it was removed or disabled: nothing
                    // of its queue may start
                    for (var it = lane.queue.iterator(); it.hasNext(); ) {
                        Job job = it.next();
                        boolean leaseGone = !job.delivery.lease().active();
                        if (leaseGone || rejecting || inactive) {
                            it.remove();
                            lane.queuedBytes -= job.delivery.body().length;
                            if (leaseGone) {
                                dropped = add(dropped, job);
                            } else if (inactive) {
                                abandoned = add(abandoned, job);
                            } else {
                                deferred = add(deferred, job);
                            }
                        }
                    }
                    requeue(lane);
                    continue;
                }
                if (!startable(lane, head, now)) {
                    ready.addLast(lane);
                    passedOver++;
                    continue;
                }
                head.probe = lane.breaker.probing(now);
                CircuitBreaker.Transition probing = lane.breaker.starting(now);
                if (probing != null) {
                    transitioned(lane, probing);
                }
                lane.queue.pollFirst();
                lane.queuedBytes -= head.delivery.body().length;
                lane.inFlight++;
                lane.inFlightBytes += head.delivery.body().length;
                if (lane.inFlight > lane.reserved) {
                    lane.sharedHeld++;
                    sharedInUse++;
                }
                passedOver = 0;
                start = add(start, head);
                requeue(lane);
            }
            wake = resumable(now);
        }
        if (dropped != null) {
            dropped.forEach(job -> job.done.complete(RecordCompletion.DROPPED));
        }
        if (abandoned != null) {
            abandoned.forEach(job -> pipe(
                    failures.abandon(
                            job.delivery,
                            Objects.requireNonNullElse(job.delivery.lane().inactiveReason(), "subscription-disabled")),
                    job));
        }
        if (deferred != null) {
            deferred.forEach(
                    job -> defer(job, CIRCUIT_OPEN, job.delivery.lane().breaker.millisUntilProbe(now)));
        }
        if (start != null) {
            start.forEach(this::send);
        }
        if (wake) {
            onUnsaturated.run();
        }
    }

    /**
     * Guarded by lock: a permit (reserved slice or shared pool), room in the lane's byte bound (what it holds under
     * way: a hung endpoint with large events must not hold the whole memory bound in its requests), no Retry-After,
     * and a token if rate-limited.
     */
    private boolean startable(Lane lane, Job head, long now) {
        if (atOwnBound(lane, head)) {
            lane.atOwnBound(now);
            return false;
        }
        if (lane.inFlight >= lane.reserved && sharedInUse >= sharedCapacity) {
            return false;
        }
        if (lane.holdUntil > now || (lane.bucket != null && !lane.bucket.tryTake(now))) {
            timedWait = true;
            return false;
        }
        return true;
    }

    /** Guarded by lock: the lane's own bounds (not the shared pool) keep its next delivery from starting. */
    private boolean atOwnBound(Lane lane, Job head) {
        return lane.inFlight >= lane.limit()
                || (lane.inFlight > 0 && lane.inFlightBytes + head.delivery.body().length > bounds.maxQueuedBytes());
    }

    private void requeue(Lane lane) {
        if (lane.queue.isEmpty()) {
            lane.ready = false;
        } else {
            ready.addLast(lane);
        }
    }

    /** Starts deliveries that wait only for a token or a receiver's Retry-After; called every few ms. */
    public void tick() {
        boolean due;
        synchronized (lock) {
            due = timedWait;
            timedWait = false;
        }
        if (due) {
            pump();
        }
    }

    private void send(Job job) {
        Delivery d = job.delivery;
        Lane lane = d.lane();
        Instant startedAt = clock.instant();
        Delivery attempt = d.attemptedAt(startedAt);
        CompletableFuture<DeliveryOutcome> sent;
        try {
            sent = lane.endpoint().send(d.deliveryId(), d.body());
        } catch (RuntimeException bug) {
            sent = CompletableFuture.failedFuture(bug);
        }
        sent.whenComplete((outcome, error) -> {
            try {
                if (error != null) {
                    released(job, null); // a bug, but it must not leak the permit or wedge a probe
                    throw new IllegalStateException("the sender failed instead of classifying an outcome", error);
                }
                completed(job, attempt, outcome, startedAt);
            } catch (RuntimeException | Error bug) {
                job.done.completeExceptionally(bug);
            }
        });
    }

    private void completed(Job job, Delivery d, DeliveryOutcome outcome, Instant startedAt) {
        Lane lane = d.lane();
        released(job, outcome);
        metrics.attempt(lane.id(), outcome.result().label, outcome.elapsed());
        boolean delivered = outcome instanceof DeliveryOutcome.Delivered;
        if (!d.lease().owned()) {
            attemptLog.record(
                    d,
                    outcome,
                    startedAt,
                    delivered ? AttemptLog.Verdict.DELIVERED : AttemptLog.Verdict.REBALANCED,
                    null);
            job.done.complete(RecordCompletion.DROPPED); // its next owner redoes it; writing would fork the chain
            return;
        }
        if (delivered) {
            metrics.delivered(lane.id(), d.eventType(), lag(d));
            attemptLog.record(d, outcome, startedAt, AttemptLog.Verdict.DELIVERED, null);
            job.done.complete(RecordCompletion.DURABLE);
        } else {
            pipe(failures.failed(d, outcome), job);
        }
    }

    /** An attempt ended (outcome null: the sender failed): frees its permit, feeds the breaker, pumps. */
    private void released(Job job, DeliveryOutcome outcome) {
        Lane lane = job.delivery.lane();
        long now = clock.millis();
        CircuitBreaker.Transition transition;
        Boolean unwell = null; // the attempt's health signal, if it has one
        synchronized (lock) {
            lane.inFlight--;
            lane.inFlightBytes -= job.delivery.body().length;
            if (lane.sharedHeld > 0) {
                lane.sharedHeld--;
                sharedInUse--;
            }
            if (outcome != null) {
                lane.observe(outcome.elapsed(), now);
                retryAfter(outcome)
                        .ifPresent(hold -> lane.holdUntil = Math.max(
                                lane.holdUntil,
                                now
                                        + Math.min(
                                                hold.toMillis(),
                                                bounds.maxRetryAfter().toMillis())));
            }
            if (outcome != null && outcome.result() == DeliveryOutcome.AttemptResult.BLOCKED_DESTINATION) {
                lane.breaker.notReached(job.probe); // no connection was made: no health signal
                transition = null;
            } else {
                unwell = outcome == null || endpointUnwell(outcome);
                transition = lane.breaker.record(unwell, job.probe, now);
            }
        }
        if (transition != null) {
            transitioned(lane, transition);
        }
        if (outcome != null && unwell != null) {
            try { // advisory: a bug in auto-disable must never cost a delivery its outcome or the scheduler its pump
                if (unwell) {
                    health.failed(lane, now, outcome);
                } else {
                    health.answered(lane, now);
                }
            } catch (RuntimeException bug) {
                log.error("auto-disable failed to take an attempt's outcome into account; the delivery goes on", bug);
            }
        }
        pump();
    }

    private void defer(Job job, String reason, long atLeastMillis) {
        Lane lane = job.delivery.lane();
        try {
            health.deferred(lane);
        } catch (RuntimeException bug) {
            log.error("auto-disable failed to count a deferral; the delivery goes on", bug);
        }
        long likely = 0;
        if (!reason.equals(CIRCUIT_OPEN)) {
            long now = clock.millis();
            synchronized (lock) {
                lane.deferredOne(now);
                likely = lane.backlogEstimateMillis(now);
            }
        }
        pipe(failures.defer(job.delivery, reason, Duration.ofMillis(atLeastMillis), Duration.ofMillis(likely)), job);
    }

    private static void pipe(CompletableFuture<RecordCompletion> from, Job job) {
        from.whenComplete((how, error) -> {
            if (error != null) {
                job.done.completeExceptionally(error);
            } else {
                job.done.complete(how);
            }
        });
    }

    /** What says the endpoint itself is unwell: no answer, or an answer that says it cannot take requests. */
    static boolean endpointUnwell(DeliveryOutcome outcome) {
        if (!(outcome instanceof DeliveryOutcome.Retryable retryable)) {
            return false;
        }
        return switch (retryable.failure().result()) {
            case TIMEOUT, CONNECT_ERROR, TLS_ERROR, SERVER_5XX, OTHER_ERROR -> true;
            case CLIENT_4XX -> retryable.failure().status() == 429;
            default -> false;
        };
    }

    private static Optional<Duration> retryAfter(DeliveryOutcome outcome) {
        return outcome instanceof DeliveryOutcome.Retryable r ? r.retryAfter() : Optional.empty();
    }

    private void transitioned(Lane lane, CircuitBreaker.Transition t) {
        metrics.circuitTransition(lane.id(), t.to().name().toLowerCase(java.util.Locale.ROOT));
        if (t.to() == CircuitBreaker.State.OPEN) {
            log.warn(
                    "circuit of subscription {} opened ({}): deliveries are deferred for {} before one probe",
                    lane.id(),
                    t.why(),
                    t.openFor());
        } else {
            log.info("circuit of subscription {}: {} -> {} ({})", lane.id(), t.from(), t.to(), t.why());
        }
    }

    private Duration lag(Delivery d) {
        Instant from = d.occurredAt() != null
                ? d.occurredAt()
                : Instant.ofEpochMilli(d.origin().timestamp());
        return Duration.between(from, clock.instant());
    }

    private static List<Job> add(List<Job> list, Job job) {
        List<Job> l = list == null ? new ArrayList<>() : list;
        l.add(job);
        return l;
    }
}
