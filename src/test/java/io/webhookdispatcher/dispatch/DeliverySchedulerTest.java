package io.webhookdispatcher.dispatch;

import static io.webhookdispatcher.testkit.FakeSender.blocked;
import static io.webhookdispatcher.testkit.FakeSender.delivered;
import static io.webhookdispatcher.testkit.FakeSender.refused;
import static io.webhookdispatcher.testkit.FakeSender.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The isolation rules of the delivery core, with a fake sender and a fake clock: every bound is pushed past. */
class DeliverySchedulerTest {
    private static final CircuitBreaker.Settings BREAKER =
            new CircuitBreaker.Settings(true, 5, 0.5, 50, 20, Duration.ofSeconds(5), Duration.ofMinutes(5));
    private static final Duration MAX_QUEUE_DELAY = Duration.ofSeconds(1);

    private final FakeClock clock = new FakeClock();
    private final FakeSender sender = new FakeSender();
    private final RecordingFailures failures = new RecordingFailures();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DispatcherMetrics metrics = new DispatcherMetrics(
            registry,
            true,
            Arrays.stream(DeliveryOutcome.AttemptResult.values())
                    .map(r -> r.label)
                    .toList());
    private final Lease lease = new Lease(new TopicPartition("events", 0));
    private Subscriptions subscriptions;
    private DeliveryScheduler scheduler;
    private long offset;
    /** What the events loop gives the scheduler to be woken by. */
    private Runnable wake = () -> {};

    private void start(int maxInFlight, int maxQueued, long maxQueuedBytes, Subscription... subs) {
        subscriptions = new Subscriptions(
                List.of(subs),
                sender,
                clock,
                lane -> metrics.subscriptionAdded(
                        lane.id(),
                        lane,
                        new DispatcherMetrics.LaneGauges<Lane>(
                                Lane::inFlight,
                                Lane::queued,
                                Lane::queuedBytes,
                                l -> l.circuitState(clock.millis()).gauge,
                                l -> l.slow() ? 1 : 0,
                                l -> l.endpointDisabled() ? 1 : 0)));
        scheduler = new DeliveryScheduler(
                subscriptions,
                failures,
                AttemptLog.NONE,
                EndpointHealth.NONE,
                metrics,
                clock,
                new DeliveryScheduler.Bounds(
                        maxInFlight,
                        maxQueued,
                        maxQueuedBytes,
                        MAX_QUEUE_DELAY,
                        Duration.ofMinutes(1),
                        maxInFlightPerWorkspace > 0 ? maxInFlightPerWorkspace : maxInFlight));
    }

    /** tenancy.maxInFlightPerWorkspace of the next {@link #start} (0: none beyond maxInFlight). */
    private int maxInFlightPerWorkspace;

    private static Subscription scoped(String id, String workspace) {
        Subscription s = sub(id, 64);
        return new Subscription(
                s.id(),
                s.url(),
                s.signing(),
                s.events(),
                true,
                64,
                Optional.empty(),
                BREAKER,
                Tls.DEFAULT,
                Optional.empty(),
                Optional.empty(),
                Optional.of(workspace),
                java.util.Optional.empty());
    }

    private static Subscription sub(String id, int maxInFlight) {
        return sub(id, maxInFlight, Optional.empty());
    }

    private static Subscription sub(String id, int maxInFlight, Optional<RateLimit> rateLimit) {
        return new Subscription(
                id,
                URI.create("http://receiver/" + id),
                Signing.twenty(new Secret("secret-" + id)),
                List.of(EventFilter.parse("*")),
                true,
                maxInFlight,
                rateLimit,
                BREAKER);
    }

    /** The events loop's question after a poll. */
    private boolean saturated() {
        return scheduler.saturated(wake);
    }

    private CompletableFuture<RecordCompletion> submit(String lane) {
        return submit(lane, 100);
    }

    private CompletableFuture<RecordCompletion> submit(String lane, int bodyBytes) {
        long o = offset++;
        var message = new Delivery.Message(
                "id-" + lane + "-" + o,
                null,
                new byte[bodyBytes],
                "person.created",
                null,
                new Delivery.Origin("events", 0, o, 0));
        return scheduler.submitAll(
                List.of(Delivery.first(message, subscriptions.lane(lane).orElseThrow(), lease)));
    }

    private List<CompletableFuture<RecordCompletion>> submit(String lane, int count, int bodyBytes) {
        var result = new ArrayList<CompletableFuture<RecordCompletion>>();
        IntStream.range(0, count).forEach(i -> result.add(submit(lane, bodyBytes)));
        return result;
    }

    private double gauge(String name, String subscription) {
        return registry.get(name).tag("subscription", subscription).gauge().value();
    }

    @Test
    void shouldKeepAHealthyLanesReservedPermitsWhileHungLanesHoldAllTheOthers() {
        // given: 16 permits, 4 lanes: each has 2 reserved (half the pool in equal slices), 8 are shared
        start(16, 1000, 1 << 20, sub("hung1", 64), sub("hung2", 64), sub("hung3", 64), sub("healthy", 64));
        sender.hold("hung1").hold("hung2").hold("hung3");

        // when: the hung lanes take everything they may, then the healthy lane gets 100 deliveries
        submit("hung1", 20, 100);
        submit("hung2", 20, 100);
        submit("hung3", 20, 100);
        List<CompletableFuture<RecordCompletion>> healthy = submit("healthy", 100, 100);

        // then: the hung lanes hold 14 permits between them and the healthy lane still delivers everything
        assertThat(sender.pending("hung1").size()
                        + sender.pending("hung2").size()
                        + sender.pending("hung3").size())
                .isEqualTo(2 + 8 + 2 + 2);
        assertThat(healthy).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
        assertThat(sender.calls("healthy")).hasSize(100);
    }

    @Test
    void shouldOpenTheCircuitAfterConsecutiveFailuresAndThenDeferWithoutAnAttempt() {
        // given
        start(256, 1000, 1 << 20, sub("down", 64));
        sender.answer("down", refused());

        // when: five attempts fail, then 10 more deliveries arrive
        submit("down", 5, 100);
        List<CompletableFuture<RecordCompletion>> later = submit("down", 10, 100);

        // then: the 5 failures go to the retry path as attempts; the 10 are deferred without an attempt
        assertThat(sender.calls("down")).hasSize(5);
        assertThat(failures.of("failed")).hasSize(5);
        assertThat(failures.of("deferred")).hasSize(10).allSatisfy(e -> {
            assertThat(e.reason()).isEqualTo(DeferralReason.CIRCUIT_OPEN.wireName);
            assertThat(e.atLeast()).isEqualTo(Duration.ofSeconds(5)); // until the probe
        });
        assertThat(later).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "down")).isEqualTo(2);
    }

    @Test
    void shouldLetOneProbeThroughAfterTheCoolDownAndCloseWhenItSucceeds() {
        // given: an open circuit
        start(256, 1000, 1 << 20, sub("flaky", 64));
        sender.answer("flaky", status(503));
        submit("flaky", 5, 100);
        sender.hold("flaky");

        // when: the cool-down passes and three deliveries arrive
        clock.advance(Duration.ofSeconds(5));
        submit("flaky", 3, 100);

        // then: exactly one probe is attempted; the others are deferred while it is under way
        assertThat(sender.pending("flaky")).hasSize(1);
        assertThat(failures.of("deferred")).hasSize(2);
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "flaky")).isEqualTo(1);

        // when: the probe succeeds
        sender.pending("flaky").get(0).answer(delivered());
        sender.answer("flaky", delivered());
        submit("flaky", 4, 100);

        // then: the circuit is closed and deliveries are attempted again
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "flaky")).isEqualTo(0);
        assertThat(sender.calls("flaky")).hasSize(5 + 1 + 4);
    }

    @Test
    void shouldDoubleTheCoolDownAfterAFailedProbe() {
        // given: an open circuit whose first probe fails
        start(256, 1000, 1 << 20, sub("down", 64));
        sender.answer("down", refused());
        submit("down", 5, 100);
        clock.advance(Duration.ofSeconds(5));
        submit("down");
        assertThat(sender.calls("down")).hasSize(6);

        // when: the first cool-down's length passes again
        clock.advance(Duration.ofSeconds(5));
        submit("down");

        // then: still open (10 s now), and the deferral waits out the rest of it
        assertThat(sender.calls("down")).hasSize(6);
        assertThat(failures.of("deferred").get(0).atLeast()).isEqualTo(Duration.ofSeconds(5));

        // when: the doubled cool-down is over
        clock.advance(Duration.ofSeconds(5));
        submit("down");

        // then: the next probe
        assertThat(sender.calls("down")).hasSize(7);
    }

    @Test
    void shouldOpenOnAFailureRatioWithoutConsecutiveFailures() {
        // given: an endpoint failing every other request (never 5 in a row)
        start(256, 1000, 1 << 20, sub("half", 64));

        // when: 20 attempts, alternately failing and succeeding
        for (int i = 0; i < 20; i++) {
            sender.answer("half", i % 2 == 0 ? status(500) : delivered());
            submit("half");
        }
        submit("half");

        // then: half of the window failed: open, and the 21st is deferred
        assertThat(sender.calls("half")).hasSize(20);
        assertThat(failures.of("deferred")).hasSize(1);
    }

    @Test
    void shouldNeitherOpenNorCloseTheCircuitOnBlockedDestinations() {
        // given: a name that resolves to a blocked address
        start(256, 1000, 1 << 20, sub("internal", 64));
        sender.answer("internal", blocked());

        // when: 30 deliveries, each refused by the guard
        submit("internal", 30, 100);

        // then: each is a permanent failure of its own; the breaker saw nothing (no connection was made)
        assertThat(sender.calls("internal")).hasSize(30);
        assertThat(failures.of("failed")).hasSize(30);
        assertThat(failures.of("deferred")).isEmpty();
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "internal")).isEqualTo(0);
    }

    @Test
    void shouldNotCloseAHalfOpenCircuitWhenItsProbeIsBlocked() {
        // given: an open circuit (the name resolved to a reachable address that failed), cool-down over
        start(256, 1000, 1 << 20, sub("rebound", 64));
        sender.answer("rebound", refused());
        submit("rebound", 5, 100);
        clock.advance(Duration.ofSeconds(5));

        // when: the probe is refused by the guard (the name now resolves to a blocked address)
        sender.answer("rebound", blocked());
        submit("rebound");

        // then: still half-open, not closed by an attempt that never reached the endpoint; the next one probes
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "rebound")).isEqualTo(1);
        sender.answer("rebound", delivered());
        submit("rebound");
        assertThat(sender.calls("rebound")).hasSize(7);
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "rebound")).isEqualTo(0);
    }

    @Test
    void shouldNotCountClientErrorsAgainstTheEndpoint() {
        // given
        start(256, 1000, 1 << 20, sub("picky", 64));
        sender.answer("picky", status(422));

        // when: 30 deliveries the receiver rejects
        submit("picky", 30, 100);

        // then: all were attempted; the endpoint is up, it only dislikes the payloads
        assertThat(sender.calls("picky")).hasSize(30);
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "picky")).isEqualTo(0);
    }

    @Test
    void shouldPauseTheConsumerForALaneThatKeepsUpAndResumeOnceItDrains() {
        // given: one request at a time, a queue bound of 40 (the consumer pauses at 10 queued, resumes under 5)
        start(256, 40, 1 << 20, sub("busy", 1));
        sender.hold("busy");

        // when
        submit("busy", 11, 100);

        // then: 1 in flight, 10 queued: saturated
        assertThat(saturated()).isTrue();

        // when: answers come back in time and the queue drains to 4
        for (int i = 0; i < 6; i++) {
            sender.pending("busy").get(0).answer(delivered());
        }

        // then
        assertThat(saturated()).isFalse();
        assertThat(failures.of("deferred")).isEmpty();
    }

    @Test
    void shouldStopWaitingForASlowLaneAndDeferItsExcessInstead() {
        // given: a healthy lane answering in 1 ms, and a lane whose requests stay unanswered, with a full queue
        start(256, 40, 1 << 20, sub("slow", 1), sub("healthy", 64));
        submit("healthy");
        sender.hold("slow");
        submit("slow", 11, 100);
        assertThat(saturated()).isTrue();

        // when: nothing completes for longer than maxQueueDelay
        clock.advance(MAX_QUEUE_DELAY.plusMillis(1));

        // then: at the next tick it is slow: the consumer no longer waits for it; it keeps only what it could send
        // within maxQueueDelay (here 1 of its 10), and defers the rest and what comes next
        scheduler.tick();
        assertThat(saturated()).isFalse();
        assertThat(gauge(DispatcherMetrics.QUEUED, "slow")).isEqualTo(1);
        submit("slow", 5, 100);
        assertThat(failures.of("deferred", "slow"))
                .hasSize(9 + 5)
                .allSatisfy(e -> assertThat(e.reason()).isEqualTo(DeferralReason.SLOW.wireName));
        // each deferral expects the lane to reach it later: the last one after the ones before it
        List<RecordingFailures.Entry> slowDeferrals = failures.of("deferred", "slow");
        assertThat(slowDeferrals.get(slowDeferrals.size() - 1).likely())
                .isGreaterThan(slowDeferrals.get(0).likely())
                .isGreaterThan(Duration.ofSeconds(10));
        assertThat(gauge(DispatcherMetrics.SLOW, "slow")).isEqualTo(1);
        assertThat(submit("healthy")).isCompletedWithValue(RecordCompletion.DURABLE);
    }

    @Test
    void shouldStopWaitingForASlowLaneBehindMoreLanesWithWorkThanATickLooksAt() {
        // given: 600 lanes with work ahead of it (each at its own bound of one request, one more queued), more than
        // the tick looks at in turn; then a lane whose requests stay unanswered, with a queue that pauses the consumer
        int many = DeliveryScheduler.TICK_LANES + 88;
        var subs = new ArrayList<Subscription>();
        subs.add(sub("healthy", 64));
        for (int i = 0; i < many; i++) {
            subs.add(sub("busy" + i, 1));
        }
        subs.add(sub("slow", 1));
        start(1_000, 40, 1 << 20, subs.toArray(Subscription[]::new));
        submit("healthy");
        for (int i = 0; i < many; i++) {
            sender.hold("busy" + i);
            submit("busy" + i, 2, 100);
        }
        sender.hold("slow");
        submit("slow", 11, 100);
        assertThat(saturated()).isTrue();

        // when: nothing completes for longer than maxQueueDelay
        clock.advance(MAX_QUEUE_DELAY.plusMillis(1));
        scheduler.tick();

        // then: the tick looked at it too (its queue could pause the consumer): it is slow, and trimmed
        assertThat(gauge(DispatcherMetrics.SLOW, "slow")).isEqualTo(1);
        assertThat(saturated()).isFalse();
        assertThat(gauge(DispatcherMetrics.QUEUED, "slow")).isEqualTo(1);
    }

    @Test
    void shouldTellHungLanesThatHoldTheirWorkspacesShareBySoonAsNothingEndsAndStopWaitingForThem() {
        // given: two lanes of one workspace whose requests stay unanswered, holding its share of 2 permits (far below
        // their own limits of 64), with full queues; a lane of another workspace answering at once
        maxInFlightPerWorkspace = 2;
        start(256, 40, 1 << 20, scoped("hung1", "down"), scoped("hung2", "down"), scoped("healthy", "ok"));
        submit("healthy");
        sender.hold("hung1").hold("hung2");
        submit("hung1", 11, 100);
        submit("hung2", 11, 100);
        assertThat(sender.pending("hung1").size() + sender.pending("hung2").size())
                .isEqualTo(2);
        assertThat(saturated()).isTrue();

        // when: none of their requests ends for longer than maxQueueDelay, before any has timed out
        scheduler.tick();
        clock.advance(MAX_QUEUE_DELAY.plusMillis(1));
        scheduler.tick();

        // then: both are slow, the consumer no longer waits for them, and the other workspace's lane delivers
        assertThat(gauge(DispatcherMetrics.SLOW, "hung1")).isEqualTo(1);
        assertThat(gauge(DispatcherMetrics.SLOW, "hung2")).isEqualTo(1);
        assertThat(saturated()).isFalse();
        assertThat(submit("healthy")).isCompletedWithValue(RecordCompletion.DURABLE);
    }

    @Test
    void shouldWaitForLanesThatAreEquallyBusyInsteadOfDeferringThem() {
        // given: two subscriptions limited alike (one request each), both with a full queue: a backlog, not a
        // slow endpoint
        start(256, 40, 1 << 20, sub("a", 1), sub("b", 1));
        sender.hold("a").hold("b");
        submit("a", 12, 100);
        submit("b", 12, 100);

        // when: their answers take long, alike
        clock.advance(Duration.ofSeconds(2));
        sender.pending("a").get(0).answer(delivered());
        sender.pending("b").get(0).answer(delivered());
        clock.advance(Duration.ofSeconds(2));

        // then: neither is slow: the consumer waits for both, and nothing goes to the retry path
        assertThat(saturated()).isTrue();
        submit("a", 5, 100);
        assertThat(failures.entries).isEmpty();
    }

    @Test
    void shouldDeferWhatExceedsTheLanesQueueBound() {
        // given: a queue bound of 10 and a lane that is not (yet) slow
        start(256, 10, 1 << 20, sub("busy", 1));
        sender.hold("busy");

        // when: 20 deliveries
        submit("busy", 20, 100);

        // then: 1 in flight, 10 queued, 9 deferred
        assertThat(sender.pending("busy")).hasSize(1);
        assertThat(failures.of("deferred"))
                .hasSize(9)
                .allSatisfy(e -> assertThat(e.reason()).isEqualTo(DeferralReason.QUEUE_FULL.wireName));
        assertThat(gauge(DispatcherMetrics.QUEUED, "busy")).isEqualTo(10);
    }

    @Test
    void shouldDeferWhatExceedsTheLanesQueuedBytesButAlwaysQueueOneEvent() {
        // given: 1,000 bytes of queue
        start(256, 1000, 1000, sub("big", 1));
        sender.hold("big");

        // when: 1 in flight, then 300-byte bodies, then one body larger than the whole bound
        submit("big", 300);
        submit("big", 4, 300);

        // then: 3 queued (900 bytes), the 4th deferred
        assertThat(failures.of("deferred")).hasSize(1);
        assertThat(gauge(DispatcherMetrics.QUEUED_BYTES, "big")).isEqualTo(900);

        // when: the queue empties, a 5,000-byte body arrives
        for (int i = 0; i < 4; i++) {
            sender.pending("big").get(0).answer(delivered());
        }
        submit("big", 5000);

        // then: an empty queue takes it, or it could never be delivered
        assertThat(sender.pending("big")).hasSize(1);
        assertThat(failures.of("deferred")).hasSize(1);
    }

    @Test
    void shouldHoldTheLaneForARetryAfterAndNotOnlyThatDelivery() {
        // given: one 429 with a Retry-After of 500 ms (shorter than maxQueueDelay: its deliveries may wait in the
        // queue)
        start(256, 1000, 1 << 20, sub("limited", 64));
        sender.answer("limited", status(429, Optional.of(Duration.ofMillis(500))));
        submit("limited");
        sender.answer("limited", delivered());

        // when: more deliveries arrive during the hold
        submit("limited", 3, 100);
        scheduler.tick();

        // then: nothing more is attempted yet
        assertThat(sender.calls("limited")).hasSize(1);

        // when: the hold passes
        clock.advance(Duration.ofMillis(500));
        scheduler.tick();

        // then
        assertThat(sender.calls("limited")).hasSize(4);
        assertThat(failures.of("deferred")).isEmpty();
    }

    @Test
    void shouldDeferWhatALongRetryAfterWouldHoldBackRatherThanKeepItsRecordsUncommitted() {
        // given: 3 deliveries queued behind a hold, then the receiver asks for an hour
        start(256, 1000, 1 << 20, sub("limited", 1));
        sender.hold("limited");
        submit("limited", 4, 100);
        sender.pending("limited").get(0).answer(status(429, Optional.of(Duration.ofHours(1))));

        // when: the scheduler's tick re-checks the lanes, and more deliveries arrive
        scheduler.tick();
        submit("limited", 2, 100);

        // then: all 5 went back to the retry path (due no earlier than the hold's end), none waits in memory
        assertThat(failures.of("deferred")).hasSize(5).allSatisfy(e -> {
            assertThat(e.reason()).isEqualTo(DeferralReason.RATE_LIMITED.wireName);
            assertThat(e.atLeast()).isEqualTo(Duration.ofMinutes(1)); // the hold, capped at maxRetryAfter
        });
        assertThat(gauge(DispatcherMetrics.QUEUED, "limited")).isZero();
    }

    @Test
    void shouldDelayToTheRateLimitNeverDrop() {
        // given: 2/s, so at most 2 at once and then one every 500 ms (2 queued take maxQueueDelay: none is deferred)
        start(256, 1000, 1 << 20, sub("metered", 64, Optional.of(RateLimit.parse("2/s"))));

        // when
        List<CompletableFuture<RecordCompletion>> all = submit("metered", 4, 100);

        // then
        assertThat(sender.calls("metered")).hasSize(2);
        clock.advance(Duration.ofMillis(499));
        scheduler.tick();
        assertThat(sender.calls("metered")).hasSize(2);
        clock.advance(Duration.ofMillis(1));
        scheduler.tick();
        assertThat(sender.calls("metered")).hasSize(3);
        clock.advance(Duration.ofSeconds(1));
        scheduler.tick();
        assertThat(all).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
        assertThat(failures.entries).isEmpty();
    }

    @Test
    void shouldSendWhatARateLimitCannotStartWithinTheQueueDelayBackToTheRetryPathNotDropIt() {
        // given: 2/s, so 2 at once and then one every 500 ms: of 5, 3 would wait 1.5 s, longer than maxQueueDelay
        start(256, 1000, 1 << 20, sub("metered", 64, Optional.of(RateLimit.parse("2/s"))));
        List<CompletableFuture<RecordCompletion>> all = submit("metered", 5, 100);

        // when: the tick re-checks the lane
        scheduler.tick();

        // then: the newest goes back to the retry path as rate-limited, the rest are delivered at the rate
        assertThat(failures.of("deferred", "metered"))
                .singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(DeferralReason.RATE_LIMITED.wireName));
        clock.advance(Duration.ofSeconds(1));
        scheduler.tick();
        assertThat(sender.calls("metered")).hasSize(4);
        assertThat(all).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
    }

    @Test
    void shouldNotKeepTheConsumerPausedForALaneThatALongRetryAfterHolds() {
        // given: the consumer paused for a lane that keeps up (1 under way, 10 queued of a 40 bound)
        start(256, 40, 1 << 20, sub("a", 1));
        sender.hold("a");
        submit("a", 11, 100);
        assertThat(saturated()).isTrue();

        // when: its receiver asks for an hour
        sender.pending("a").get(0).answer(status(429, Optional.of(Duration.ofHours(1))));

        // then: the loop may read on at once; the held queue goes back to the retry path at the next tick
        assertThat(saturated()).isFalse();
        scheduler.tick();
        assertThat(failures.of("deferred", "a")).hasSize(10);
    }

    @Test
    void shouldCompleteEveryFutureWhileReloadsAddAndRemoveARateLimitConcurrently() throws Exception {
        // given: a lane whose requests never end, and a reload thread toggling its rate limit as fast as it can
        Subscription plain = sub("m", 1);
        Subscription limited = sub("m", 1, Optional.of(RateLimit.parse("1/s")));
        start(256, 1000, 1 << 30, plain);
        sender.hold("m");
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var reloader = new Thread(() -> {
            while (!stop.get()) {
                subscriptions.replace(List.of(limited));
                subscriptions.replace(List.of(plain));
            }
        });
        reloader.start();

        // when: deliveries are submitted and the tick trims, 2,000 rounds
        var futures = new ArrayList<CompletableFuture<RecordCompletion>>();
        try {
            for (int round = 0; round < 2000; round++) {
                futures.addAll(submit("m", 20, 10));
                clock.advance(Duration.ofMillis(1));
                scheduler.tick();
            }
        } finally {
            stop.set(true);
            reloader.join();
        }

        // then: once its lease drains and the started requests answer, no future is left incomplete
        lease.startDrain();
        scheduler.drain(lease);
        sender.pending("m").forEach(c -> c.answer(delivered()));
        assertThat(futures).allSatisfy(f -> assertThat(f).isDone());
    }

    @Test
    void shouldDropQueuedWorkOfADrainingLeaseAndFinishStartedWork() {
        // given: 1 in flight, 4 queued
        start(256, 1000, 1 << 20, sub("s", 1));
        sender.hold("s");
        List<CompletableFuture<RecordCompletion>> all = submit("s", 5, 100);

        // when: the partition is being revoked
        lease.startDrain();
        scheduler.drain(lease);

        // then: the queued ones are dropped at once; the started one may still finish durably
        assertThat(all.subList(1, 5)).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DROPPED));
        assertThat(all.get(0)).isNotDone();
        sender.pending("s").get(0).answer(delivered());
        assertThat(all.get(0)).isCompletedWithValue(RecordCompletion.DURABLE);
        assertThat(sender.calls("s")).hasSize(1);
    }

    @Test
    void shouldWriteNothingForAnAttemptThatEndsAfterItsPartitionWasGivenUp() {
        // given: an attempt under way
        start(256, 1000, 1 << 20, sub("s", 64));
        sender.hold("s");
        CompletableFuture<RecordCompletion> f = submit("s");

        // when: the partition is lost, then the attempt fails
        lease.end();
        sender.pending("s").get(0).answer(status(503));

        // then: no retry is written (the next owner redoes the delivery): no forked chain
        assertThat(f).isCompletedWithValue(RecordCompletion.DROPPED);
        assertThat(failures.entries).isEmpty();
    }

    @Test
    void shouldDeferTheQueueOfALaneWhoseCircuitOpens() {
        // given: 2 in flight and 8 queued
        start(256, 1000, 1 << 20, sub("s", 2));
        sender.hold("s");
        List<CompletableFuture<RecordCompletion>> all = submit("s", 10, 100);

        // when: enough failures to open the circuit come back
        for (int i = 0; i < 5; i++) {
            sender.pending("s").get(0).answer(refused());
        }

        // then: no queued delivery waits for the circuit; they are all deferred without an attempt
        assertThat(sender.calls("s")).hasSize(5 + 1); // the 6th started before the 5th failure came back
        assertThat(failures.of("deferred"))
                .hasSize(4)
                .allSatisfy(e -> assertThat(e.reason()).isEqualTo(DeferralReason.CIRCUIT_OPEN.wireName));
        assertThat(gauge(DispatcherMetrics.QUEUED, "s")).isZero();
    }

    @Test
    void shouldEmptyALaneThatMayNotStartAtTheNextTickEvenWhileEveryPermitIsTaken() {
        // given: 4 permits, all held by requests that never end; 2 of s's deliveries and 4 of hung's queued
        start(4, 1000, 1 << 20, sub("hung", 64), sub("s", 64));
        sender.hold("hung").hold("s");
        List<CompletableFuture<RecordCompletion>> queued = submit("s", 5, 100).subList(3, 5);
        submit("hung", 5, 100);
        assertThat(sender.calls("s").size() + sender.calls("hung").size()).isEqualTo(4);

        // when: s is disabled; no permit frees, so no pump gets to its queue
        subscriptions.endpointDisabled("s", true);
        assertThat(queued).allSatisfy(f -> assertThat(f).isNotDone());
        scheduler.tick();

        // then: the tick dead-letters what it queued, without an attempt
        assertThat(failures.of("abandoned", "s")).hasSize(2);
        assertThat(queued).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
        assertThat(sender.calls("s")).hasSize(3);
    }

    @Test
    void shouldDeferOneEventsDeliveriesBehindOpenCircuitsTogetherInRecordsOfAtMostAHundred() {
        // given: 250 subscriptions whose circuits are open, and a healthy one
        List<Subscription> subs = new ArrayList<>();
        IntStream.range(0, 250).forEach(i -> subs.add(sub("down" + i, 64)));
        subs.add(sub("ok", 64));
        start(256, 1000, 1 << 20, subs.toArray(Subscription[]::new));
        IntStream.range(0, 250).forEach(i -> {
            sender.answer("down" + i, refused());
            submit("down" + i, 5, 100);
        });
        assertThat(failures.together).isEmpty(); // one delivery per record so far: nothing to group
        failures.entries.clear();

        // when: one event for all 251
        long o = offset++;
        var message = new Delivery.Message(
                "id-" + o, null, new byte[100], "person.created", null, new Delivery.Origin("events", 0, o, 0));
        CompletableFuture<RecordCompletion> record = scheduler.submitAll(subs.stream()
                .map(s -> Delivery.first(message, subscriptions.lane(s.id()).orElseThrow(), lease))
                .toList());

        // then: the 250 go to the retry path in three writes, without an attempt; the healthy one is delivered
        assertThat(failures.together).extracting(List::size).containsExactly(100, 100, 50);
        assertThat(failures.together.stream()
                        .flatMap(List::stream)
                        .map(d -> d.lane().id()))
                .doesNotHaveDuplicates()
                .hasSize(250)
                .doesNotContain("ok");
        assertThat(failures.of("deferred"))
                .hasSize(250)
                .allSatisfy(e -> assertThat(e.reason()).isEqualTo(DeferralReason.CIRCUIT_OPEN.wireName));
        assertThat(sender.calls("ok")).hasSize(1);
        assertThat(record).isCompletedWithValue(RecordCompletion.DURABLE);
    }

    @Test
    void shouldNotWedgeAHalfOpenCircuitWhenADeliveryForTheDisabledSubscriptionIsAbandoned() {
        // given: an open circuit whose cool-down is over
        start(256, 1000, 1 << 20, sub("x", 4));
        sender.answer("x", refused());
        submit("x", 5, 100);
        clock.advance(Duration.ofSeconds(5));

        // when: the subscription is disabled, a delivery for it is abandoned (never a probe), and it is re-enabled
        subscriptions.replace(List.of(new Subscription(
                "x",
                URI.create("http://receiver/x"),
                Signing.twenty(new Secret("secret-x")),
                List.of(EventFilter.parse("*")),
                false,
                4,
                Optional.empty(),
                BREAKER)));
        assertThat(submit("x")).isCompletedWithValue(RecordCompletion.DURABLE);
        assertThat(failures.of("abandoned")).hasSize(1);
        subscriptions.replace(List.of(sub("x", 4)));
        sender.answer("x", delivered());
        submit("x", 3, 100);

        // then: the next delivery was the probe, it succeeded, and the circuit is closed
        assertThat(gauge(DispatcherMetrics.CIRCUIT_STATE, "x")).isZero();
        assertThat(sender.calls("x")).hasSize(5 + 3);
    }

    @Test
    void shouldWakeThePausedConsumerWhenAQueueDrainsUnderItsResumeMarkByCountOrByBytes() {
        // given: one request at a time; by count the consumer pauses at 10 queued and resumes under 5, by bytes at
        // 1,000 and under 500
        start(256, 40, 4000, sub("busy", 1));
        sender.hold("busy");
        var saturatedAtWake = new ArrayList<Boolean>();
        wake = () -> saturatedAtWake.add(saturated());
        submit("busy", 11, 10);
        assertThat(saturated()).isTrue();

        // when: answers come back one by one
        for (int i = 0; i < 10; i++) {
            sender.pending("busy").get(0).answer(delivered());
        }

        // then: one wake, once it may resume (not before)
        assertThat(saturatedAtWake).containsExactly(false);

        // when: it pauses on bytes (3 × 400 queued) and drains
        saturatedAtWake.clear();
        submit("busy", 4, 400);
        assertThat(saturated()).isTrue();
        for (int i = 0; i < 4; i++) {
            sender.pending("busy").get(0).answer(delivered());
        }

        // then
        assertThat(saturatedAtWake).containsExactly(false);
    }

    @Test
    void shouldFreeThePermitEvenWhenTheSenderFailsInsteadOfClassifying() {
        // given: a broken sender (a bug) and 2 permits
        WebhookSender broken = new WebhookSender() {
            @Override
            public Endpoint endpoint(Subscription s) {
                return (id, body) -> CompletableFuture.failedFuture(new IllegalStateException("boom"));
            }

            @Override
            public void close() {}
        };
        subscriptions = new Subscriptions(List.of(sub("x", 2)), broken, clock, lane -> {});
        scheduler = new DeliveryScheduler(
                subscriptions,
                failures,
                AttemptLog.NONE,
                EndpointHealth.NONE,
                metrics,
                clock,
                new DeliveryScheduler.Bounds(256, 1000, 1 << 20, MAX_QUEUE_DELAY, Duration.ofMinutes(1)));

        // when
        List<CompletableFuture<RecordCompletion>> all = submit("x", 3, 10);

        // then: each fails loudly (the loop reports it) and none waits for a leaked permit
        assertThat(all).allSatisfy(f -> assertThat(f).isCompletedExceptionally());
        assertThat(subscriptions.lane("x").orElseThrow().inFlight()).isZero();
    }

    @Test
    void shouldBoundWhatALaneHoldsUnderWayInBytesSoLargeEventsCannotTakeTheMemoryBound() {
        // given: 1 MB events, a 4 MB byte bound per lane, 64 permits
        start(256, 1000, 4_000_000, sub("hung", 64), sub("healthy", 64));
        submit("healthy");
        sender.hold("hung");

        // when: ten large deliveries for an endpoint that never answers
        submit("hung", 10, 1_000_000);

        // then: it has 4 under way, not 10 (and not 64): the rest wait, and count as a stall
        assertThat(sender.pending("hung")).hasSize(4);
        clock.advance(MAX_QUEUE_DELAY.plusMillis(1));
        scheduler.tick();
        assertThat(gauge(DispatcherMetrics.SLOW, "hung")).isEqualTo(1);
    }

    @Test
    void shouldDeadLetterAnAutoDisabledLanesDeliveriesQueuedAndNewWithoutAnAttemptWhileTheOthersDeliver() {
        // given: 4 permits, a hung lane holding its own and queueing more, and a healthy lane
        start(4, 1000, 1 << 20, sub("dead", 64), sub("ok", 64));
        sender.hold("dead");
        submit("dead", 10, 100);
        int attempted = sender.calls("dead").size();

        // when: the operations topic says it is disabled, and more deliveries come for both
        subscriptions.endpointDisabled("dead", true);
        List<CompletableFuture<RecordCompletion>> late = submit("dead", 5, 100);
        List<CompletableFuture<RecordCompletion>> healthy = submit("ok", 20, 100);

        // then: the queued and the new are dead-lettered as endpoint-disabled, durably, with no attempt
        assertThat(failures.of("abandoned", "dead"))
                .hasSize(10 - attempted + 5)
                .allSatisfy(e -> assertThat(e.reason()).isEqualTo("endpoint-disabled"));
        assertThat(late).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
        assertThat(sender.calls("dead")).hasSize(attempted);
        assertThat(gauge(DispatcherMetrics.SUBSCRIPTION_DISABLED, "dead")).isEqualTo(1);
        assertThat(gauge(DispatcherMetrics.SUBSCRIPTION_DISABLED, "ok")).isZero();
        assertThat(healthy).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));

        // when: its requests under way end, and it is enabled again
        sender.pending("dead").forEach(c -> c.answer(status(503)));
        subscriptions.endpointDisabled("dead", false);
        submit("dead", 1, 100);

        // then: it is attempted
        assertThat(sender.calls("dead")).hasSize(attempted + 1);
    }
}
