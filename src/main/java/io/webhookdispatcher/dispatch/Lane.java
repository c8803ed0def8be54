package io.webhookdispatcher.dispatch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A subscription at run time: its settings and endpoint, and the state that isolates it from the others —
 * its own queue, in-flight count, circuit breaker, rate limit and speed estimate. Survives hot reloads that
 * keep the subscription's id. Lane alone changes its state, through the methods below, which the {@link
 * DeliveryScheduler} calls under its lock; metrics read the counters without it (a stale value is fine there).
 */
public final class Lane {
    /** Weight of the newest attempt in the latency average: about the last 10 attempts count. */
    private static final double LATENCY_WEIGHT = 0.1;
    /**
     * Answers before a lane's own latency may call it slow: among thousands of lanes a few samples are noise (a long
     * wait for no response at all is not: {@link SlowLanes#classify}).
     */
    static final int MIN_ANSWERS = 5;

    private final String id;
    private volatile Subscription subscription;
    private volatile WebhookSender.Endpoint endpoint;
    private volatile boolean removed;
    /** Disabled by the dispatcher after its endpoint failed for {@code autoDisableAfter} (topics.operations). */
    private volatile boolean endpointDisabled;

    // Run-time state, guarded by the scheduler's lock and changed only through the methods below.
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean ready; // in the scheduler's ready queue
    private int inFlight;
    private long inFlightBytes; // bytes of the bodies under way
    private int sharedHeld; // permits of the shared pool among inFlight
    private volatile CircuitBreaker breaker; // replaced by a reload (on its thread): volatile, so the scheduler sees it
    private volatile RateLimit.Bucket bucket;
    private long holdUntil; // a receiver's Retry-After: no attempt starts before
    private double latencyMillis; // moving average of attempt durations (their mean over the first ten)
    private int answers; // attempts that ended, up to MIN_ANSWERS is all that is kept
    private double unansweredMillis; // how long its last attempt waited for a response it did not get; 0: got one
    private long stalledSince = -1; // since when every permit is taken and nothing completed
    private long workspaceWaitSince = -1; // since when its workspace's share keeps its queue from starting
    private volatile boolean slow; // last classification, for the transition log and the gauge
    private double recentDeferrals; // deliveries it recently sent back to the retry path, decaying (half-life 5 s)
    private long recentDeferralsAt;

    Lane(Subscription subscription, WebhookSender.Endpoint endpoint, long now) {
        this.id = subscription.id();
        update(subscription, endpoint, now);
    }

    /** A reload: new settings apply to new attempts; a changed breaker or rate limit starts afresh. */
    void update(Subscription next, WebhookSender.Endpoint nextEndpoint, long now) {
        Subscription previous = this.subscription;
        if (previous == null || !previous.breaker().equals(next.breaker())) {
            breaker = new CircuitBreaker(next.breaker());
        }
        if (previous == null || !previous.rateLimit().equals(next.rateLimit())) {
            bucket = next.rateLimit().map(r -> new RateLimit.Bucket(r, now)).orElse(null);
        }
        this.subscription = Objects.requireNonNull(next, "next");
        this.endpoint = Objects.requireNonNull(nextEndpoint, "nextEndpoint");
        this.removed = false;
    }

    /**
     * Out of the config. Its endpoint is let go, so its host's HTTP client (a selector thread) can go too: nothing more
     * starts on a removed lane (its queue is dead-lettered {@code subscription-removed}); a start that raced with the
     * removal fails as retryable, and its retry is dead-lettered so. Requests under way hold their own client.
     */
    void markRemoved() {
        removed = true;
        endpoint = REMOVED;
    }

    private static final WebhookSender.Endpoint REMOVED =
            (deliveryId, body) -> java.util.concurrent.CompletableFuture.completedFuture(new DeliveryOutcome.Retryable(
                    new DeliveryOutcome.Failure(
                            DeliveryOutcome.AttemptResult.OTHER_ERROR,
                            0,
                            "subscription-removed",
                            "the subscription was removed before this attempt started",
                            "",
                            java.time.Duration.ZERO),
                    java.util.Optional.empty()));

    /**
     * Disabled or re-enabled by the operations topic's state. Re-enabling starts a fresh circuit, so the first
     * delivery after it is an attempt, not a deferral behind the old cool-down.
     */
    void endpointDisabled(boolean disabled) {
        if (endpointDisabled && !disabled) {
            breaker = new CircuitBreaker(subscription.breaker());
        }
        endpointDisabled = disabled;
    }

    /** Auto-disabled: its deliveries are dead-lettered with reason {@code endpoint-disabled}. */
    public boolean endpointDisabled() {
        return endpointDisabled;
    }

    public String id() {
        return id;
    }

    public Subscription subscription() {
        return subscription;
    }

    WebhookSender.Endpoint endpoint() {
        return endpoint;
    }

    /** No longer in the config at all (as opposed to {@code enabled: false}). */
    public boolean removed() {
        return removed;
    }

    public int inFlight() {
        return inFlight;
    }

    public int queued() {
        return queue.size();
    }

    public long queuedBytes() {
        return queuedBytes;
    }

    public CircuitBreaker.State circuitState(long now) {
        return breaker.state(now);
    }

    public boolean slow() {
        return slow;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    // ---- queue: deliveries waiting for a permit, oldest first ----

    void enqueue(Job job) {
        queue.addLast(job);
        queuedBytes += job.bytes();
    }

    Job head() {
        return queue.peekFirst();
    }

    /** The newest queued delivery, taken off the queue (what a trim sends back to the retry path first). */
    Job pollTail() {
        Job job = queue.pollLast();
        queuedBytes -= job.bytes();
        noLongerWaitingIfEmpty();
        return job;
    }

    /** Takes off the queue every delivery {@code which} accepts, oldest first, and hands each to {@code to}. */
    void removeQueued(java.util.function.Predicate<Job> which, java.util.function.Consumer<Job> to) {
        for (var it = queue.iterator(); it.hasNext(); ) {
            Job job = it.next();
            if (which.test(job)) {
                it.remove();
                queuedBytes -= job.bytes();
                to.accept(job);
            }
        }
        noLongerWaitingIfEmpty();
    }

    private void noLongerWaitingIfEmpty() {
        if (queue.isEmpty()) {
            workspaceWaitSince = -1;
        }
    }

    boolean hasQueued() {
        return !queue.isEmpty();
    }

    /** Whether the lane is in the scheduler's queue of lanes with work, and its new value. */
    boolean ready() {
        return ready;
    }

    void ready(boolean inReadyQueue) {
        ready = inReadyQueue;
    }

    // ---- requests under way and their permits ----

    /** Its head starts: off the queue, counted under way. Returns the job. */
    Job start() {
        workspaceWaitSince = -1;
        Job job = queue.pollFirst();
        queuedBytes -= job.bytes();
        inFlight++;
        inFlightBytes += job.bytes();
        return job;
    }

    /** A request of this lane ended. Returns whether it held a permit of the shared pool (now given back). */
    boolean finished(Job job) {
        inFlight--;
        inFlightBytes -= job.bytes();
        if (sharedHeld > 0) {
            sharedHeld--;
            return true;
        }
        return false;
    }

    /** The request just started holds a permit of the shared pool (it is beyond the lane's reserved slice). */
    void holdsSharedPermit() {
        sharedHeld++;
    }

    long inFlightBytes() {
        return inFlightBytes;
    }

    void slow(boolean isSlow) {
        slow = isSlow;
    }

    /** A receiver's Retry-After: no attempt starts before {@code until} (epoch ms); a later hold wins. */
    void holdUntil(long until) {
        holdUntil = Math.max(holdUntil, until);
    }

    /** Whether a rate limit's token is there (taken if so); always true without a rate limit. */
    boolean takeToken(long now) {
        RateLimit.Bucket b = bucket;
        return b == null || b.tryTake(now);
    }

    boolean held(long now) {
        return holdUntil > now;
    }

    int limit() {
        return subscription.maxInFlight();
    }

    /** An attempt ended after {@code elapsed}; {@code responded}: with an HTTP response (any status). */
    void observe(Duration elapsed, long now, boolean responded) {
        double ms = elapsed.toNanos() / 1e6;
        unansweredMillis = responded ? 0 : ms;
        answers = Math.min(answers + 1, 1_000);
        // the mean of the first samples, then a moving average: one unlucky first answer is not the lane's speed
        latencyMillis += Math.max(LATENCY_WEIGHT, 1.0 / answers) * (ms - latencyMillis);
        stalledSince = -1; // something completed
    }

    /**
     * Whether its latency says something about its endpoint: {@link #MIN_ANSWERS} attempts have ended, or it has
     * waited on requests under way for longer than that average (a hung endpoint needs no answers to be judged).
     */
    boolean latencyKnown(long now) {
        return answers >= MIN_ANSWERS || latencyMillis(now) > latencyMillis;
    }

    /** How long its last attempt waited for a response it did not get (a timeout); 0 when it got one. */
    double unansweredMillis() {
        return unansweredMillis;
    }

    /** Work is waiting and the lane's own bounds (its permits, or its bytes under way) let nothing more start. */
    void waitsOnItsRequests(long now) {
        if (stalledSince < 0) {
            stalledSince = now;
        }
    }

    /**
     * Work is waiting and its workspace holds its whole share of the permits: until one of the workspace's requests
     * ends, nothing of this lane starts. A wait that lasts counts as slowness, so a hung sibling's share has this
     * lane's excess deferred rather than holding the consumer back; it ends when the lane starts or has no queue.
     */
    void waitsOnWorkspace(long now) {
        if (workspaceWaitSince < 0) {
            workspaceWaitSince = now;
        }
    }

    /**
     * Its endpoint's recent latency: the moving average, or how long the lane has been at its own bound with
     * nothing completing (a hung endpoint) or waiting on its workspace's share, whichever is longest; 0 before any
     * attempt.
     */
    double latencyMillis(long now) {
        return Math.max(ownLatencyMillis(now), workspaceWaitMillis(now));
    }

    /** Its endpoint's: the moving average, or how long it has been at its own bound with nothing completing. */
    private double ownLatencyMillis(long now) {
        return Math.max(latencyMillis, stalledSince >= 0 ? now - stalledSince : 0);
    }

    private long workspaceWaitMillis(long now) {
        return workspaceWaitSince >= 0 ? now - workspaceWaitSince : 0;
    }

    /**
     * How long this lane's queue would take to drain, from what it has shown: its queue at its recent latency and
     * concurrency, a rate limit, and a receiver's {@code Retry-After}.
     */
    long drainEstimateMillis(long now) {
        // with work queued, the lane runs as many requests as its bounds let it: that is its concurrency
        int concurrency = Math.max(1, Math.min(limit(), inFlight));
        return paced(queue.size() * latencyMillis(now) / concurrency, now);
    }

    /**
     * When what it defers now is likely to be taken: like {@link #drainEstimateMillis}, but a wait on the
     * workspace's share is paid once, before the queue goes at the endpoint's own speed (judged by the wait, a
     * healthy lane behind hung siblings would have its deferrals sent to a step minutes away).
     */
    long dueEstimateMillis(long now) {
        int concurrency = Math.max(1, Math.min(limit(), inFlight));
        double once = workspaceWaitMillis(now) + queue.size() * ownLatencyMillis(now) / concurrency;
        return Math.min(drainEstimateMillis(now), paced(once, now));
    }

    /** The estimate, at least what a rate limit allows, plus what a receiver's Retry-After holds. */
    private long paced(double estimate, long now) {
        RateLimit.Bucket b = bucket; // one read: a reload may replace it meanwhile
        if (b != null) {
            estimate = Math.max(estimate, queue.size() * 1000.0 / b.perSecond());
        }
        return (long) estimate + Math.max(0, holdUntil - now);
    }

    /** One more delivery sent back to the retry path because the lane could not take it (slow, full, limited). */
    void deferredOne(long now) {
        decay(now);
        recentDeferrals += 1;
    }

    /**
     * When the lane could likely take a delivery it defers now: after what it has recently deferred, at its speed.
     * Sending a deferral back later than that saves rewriting it again and again while the lane works through the
     * deliveries deferred before it.
     */
    long backlogEstimateMillis(long now) {
        decay(now);
        int concurrency = Math.max(1, Math.min(limit(), inFlight));
        double estimate = workspaceWaitMillis(now) + recentDeferrals * ownLatencyMillis(now) / concurrency;
        RateLimit.Bucket b = bucket; // one read: a reload may replace it meanwhile
        if (b != null) {
            estimate = Math.max(estimate, recentDeferrals * 1000.0 / b.perSecond());
        }
        return (long) estimate;
    }

    private void decay(long now) {
        if (now > recentDeferralsAt) {
            recentDeferrals *= Math.pow(0.5, (now - recentDeferralsAt) / 5000.0);
            recentDeferralsAt = now;
        }
    }

    /** How much longer a receiver's Retry-After holds the lane back. */
    long holdRemainingMillis(long now) {
        return Math.max(0, holdUntil - now);
    }

    /** Enabled, still configured and not auto-disabled: it may be sent to. */
    boolean active() {
        return !removed && subscription.enabled() && !endpointDisabled;
    }

    /** Why it may not be sent to (the dead-letter reason), or null when it may ({@link #active}). */
    String inactiveReason() {
        if (removed) {
            return "subscription-removed";
        }
        if (!subscription.enabled()) {
            return "subscription-disabled";
        }
        return endpointDisabled ? "endpoint-disabled" : null;
    }

    /** Whether the lane is paced from outside (a rate limit or a Retry-After) rather than by its endpoint's speed. */
    boolean rateLimited(long now) {
        RateLimit.Bucket b = bucket;
        return holdUntil > now || (b != null && b.millisUntilToken(now) > 0);
    }
}
