package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.AttemptLog.Verdict;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DeferralReason;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the router tells the attempt log: each verdict once it is durable, with the attempt it is about. */
class OutcomeRouterAttemptLogTest {
    private record Logged(
            Delivery delivery, DeliveryOutcome outcome, Instant startedAt, Verdict verdict, String reason) {}

    private final FakeClock clock = new FakeClock();
    private final DispatcherMetrics metrics = new DispatcherMetrics(new SimpleMeterRegistry(), true, List.of());
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final DurableWriter writer = new DurableWriter(producer, metrics);
    private final List<Logged> logged = new CopyOnWriteArrayList<>();
    private final AttemptLog log = (d, o, at, v, r) -> logged.add(new Logged(d, o, at, v, r));
    private final OutcomeRouter router = new OutcomeRouter(
            new RetryPolicy(
                    new DispatcherConfig.Retry(
                            List.of(Duration.ofSeconds(5)), 0, Duration.ofMinutes(1), Duration.ofHours(1), Set.of(400)),
                    "crm.events.retry",
                    () -> 0.5),
            new RetryWriter(writer),
            new DeadLetters(writer, "crm.events.dlt", clock),
            metrics,
            log,
            clock);
    private final Subscriptions subscriptions = new Subscriptions(
            List.of(new Subscription(
                    "crm",
                    URI.create("http://r/crm"),
                    Signing.twenty(new Secret("a-secret-of-24-bytes-or-more")),
                    List.of(EventFilter.parse("*")),
                    true,
                    4,
                    Optional.empty(),
                    CircuitBreaker.Settings.DEFAULTS)),
            new FakeSender(),
            clock,
            lane -> {});

    /** Acknowledges the next writes, as the writer hands them to the producer (it may do so on its own thread). */
    private void ack(int writes) {
        for (int i = 0; i < writes; i++) {
            await().atMost(Duration.ofSeconds(5)).until(producer::completeNext);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logged.size() >= writes);
    }

    @AfterEach
    void tearDown() {
        writer.close();
    }

    private Delivery delivery(int attempt) {
        return new Delivery(
                new Delivery.Message(
                        "msg_1",
                        "p1".getBytes(),
                        "{}".getBytes(),
                        "person.created",
                        null,
                        new Delivery.Origin("crm.events", 0, 3, 0)),
                new Delivery.RetryState(attempt, null, 0, null, null),
                subscriptions.lane("crm").orElseThrow(),
                new Lease(new TopicPartition("crm.events", 0)));
    }

    private static DeliveryOutcome failure(int status, boolean retryable) {
        var f = new DeliveryOutcome.Failure(
                DeliveryOutcome.AttemptResult.ofStatus(status), status, "HttpStatus", "", "", Duration.ofMillis(40));
        return retryable ? new DeliveryOutcome.Retryable(f, Optional.empty()) : new DeliveryOutcome.Permanent(f);
    }

    @Test
    void shouldLogARetryOnlyOnceItsWriteIsAcknowledged() {
        // given
        DeliveryOutcome outcome = failure(500, true);

        // when
        CompletableFuture<RecordCompletion> done = router.failed(delivery(1), outcome);

        // then: nothing before the retry topic has it, then the attempt with its start
        assertThat(logged).isEmpty();
        ack(1);
        assertThat(done.join()).isEqualTo(RecordCompletion.DURABLE);
        assertThat(logged).singleElement().satisfies(l -> {
            assertThat(l.verdict()).isEqualTo(Verdict.RETRY_SCHEDULED);
            assertThat(l.outcome()).isSameAs(outcome);
            assertThat(l.startedAt()).isEqualTo(clock.instant().minusMillis(40));
        });
    }

    @Test
    void shouldLogTheLastAttemptAndAPermanentFailureAsDeadLettered() {
        router.failed(delivery(2), failure(500, true)); // the schedule has one step: attempt 2 is the last
        router.failed(delivery(1), failure(400, false));
        ack(2);

        assertThat(logged).extracting(Logged::verdict).containsExactly(Verdict.DEAD_LETTERED, Verdict.DEAD_LETTERED);
        assertThat(logged)
                .extracting(Logged::reason)
                .containsExactly(DeadLetters.RETRIES_EXHAUSTED, DeadLetters.PERMANENT_FAILURE);
    }

    @Test
    void shouldLogDeferralsWithoutAnAttempt() {
        router.defer(delivery(1), DeferralReason.CIRCUIT_OPEN, Duration.ofSeconds(1), Duration.ZERO);
        router.defer(delivery(1), DeferralReason.QUEUE_FULL, Duration.ZERO, Duration.ZERO);
        ack(2);

        assertThat(logged).extracting(Logged::verdict).containsExactly(Verdict.CIRCUIT_OPEN, Verdict.DEFERRED);
        assertThat(logged).allSatisfy(l -> assertThat(l.outcome()).isNull());
        assertThat(logged).extracting(Logged::reason).containsExactly("circuit-open", "queue-full");
    }

    @Test
    void shouldNotLogAVerdictWhoseWriteFailed() {
        router.failed(delivery(1), failure(500, true));

        await().atMost(Duration.ofSeconds(5))
                .until(() -> producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker away")));

        assertThat(logged).isEmpty(); // the writer redoes it; the log hears of it once it is durable
    }
}
