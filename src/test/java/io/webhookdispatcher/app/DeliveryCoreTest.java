package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.consume.ConsumerLoop;
import io.webhookdispatcher.consume.ConsumerLoopProbe;
import io.webhookdispatcher.consume.LoopStatus;
import io.webhookdispatcher.consume.MemoryBudget;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryScheduler;
import io.webhookdispatcher.dispatch.EndpointHealth;
import io.webhookdispatcher.dispatch.EventFanOut;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.dispatch.TopicIncarnations;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.WorkspaceField;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.retry.DeadLetters;
import io.webhookdispatcher.retry.DurableWriter;
import io.webhookdispatcher.retry.OutcomeRouter;
import io.webhookdispatcher.retry.RetryPolicy;
import io.webhookdispatcher.retry.RetryWriter;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import io.webhookdispatcher.testkit.SampleEvents;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real delivery core — consumer loop, fan-out, scheduler, outcome router, writer — on Kafka's MockConsumer and
 * MockProducer with a fake sender and a fake clock: what a dead endpoint and a stuck write do to everything else.
 */
class DeliveryCoreTest {
    private static final String EVENTS = "crm.events";
    private static final TopicPartition P0 = new TopicPartition(EVENTS, 0);

    private final FakeClock clock = new FakeClock();
    private final FakeSender sender = new FakeSender();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DispatcherMetrics metrics = new DispatcherMetrics(
            registry,
            true,
            Arrays.stream(DeliveryOutcome.AttemptResult.values())
                    .map(r -> r.label)
                    .toList());
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private MockProducer<byte[], byte[]> producer;
    private DurableWriter writer;
    private ConsumerLoop loop;
    private DeliveryScheduler scheduler;
    private MemoryBudget budget;

    @AfterEach
    void tearDown() {
        writer.close();
    }

    private void start(boolean acknowledgeWrites, long maxBufferedBytes, String... subscriptionIds) {
        producer = new MockProducer<>(acknowledgeWrites, null, new ByteArraySerializer(), new ByteArraySerializer());
        writer = new DurableWriter(producer, metrics);
        var retry = new DispatcherConfig.Retry(
                List.of(Duration.ofSeconds(5), Duration.ofMinutes(5)),
                0,
                Duration.ofMinutes(1),
                Duration.ofHours(1),
                Set.of(400));
        var policy = new RetryPolicy(retry, EVENTS + ".retry", () -> 0.5);
        var deadLetters = new DeadLetters(writer, EVENTS + ".dlt", clock);
        var router = new OutcomeRouter(policy, new RetryWriter(writer), deadLetters, metrics, clock);
        var subs = Arrays.stream(subscriptionIds)
                .map(id -> new Subscription(
                        id,
                        URI.create("http://r/" + id),
                        Signing.twenty(new Secret("s")),
                        List.of(EventFilter.parse("*")),
                        true,
                        64,
                        Optional.empty(),
                        CircuitBreaker.Settings.DEFAULTS))
                .toList();
        var subscriptions = new Subscriptions(subs, sender, clock, lane -> {});
        scheduler = new DeliveryScheduler(
                subscriptions,
                router,
                AttemptLog.NONE,
                EndpointHealth.NONE,
                metrics,
                clock,
                new DeliveryScheduler.Bounds(256, 1000, 16 << 20, Duration.ofSeconds(1), Duration.ofHours(1)));
        budget = new MemoryBudget(maxBufferedBytes);
        var topicIds = new TopicIncarnations(topic -> Optional.of("AAAAAAAAAAAAAAAAAAAAAQ"));
        topicIds.refresh(List.of(EVENTS));
        var fanOut = new EventFanOut(
                subscriptions, topicIds, scheduler, deadLetters::invalidInput, metrics, 1 << 20, WorkspaceField.NONE);
        loop = new ConsumerLoop(
                consumer,
                listener -> consumer.subscribe(List.of(EVENTS), listener),
                fanOut,
                new ConsumerLoop.FlowControl(0),
                budget.account(0.75),
                Duration.ofSeconds(1),
                new LoopStatus("events"),
                clock);
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.setMaxPollRecords(500); // Kafka's default max.poll.records
        ConsumerLoopProbe.subscribe(loop);
        consumer.rebalance(List.of(P0));
    }

    private void produce(int count) {
        for (int i = 0; i < count; i++) {
            consumer.addRecord(new ConsumerRecord<>(
                    EVENTS, 0, i, ("k" + i).getBytes(), SampleEvents.event("person.created", "p" + i)));
        }
    }

    /** The events loop's polls, each followed by the scheduler's tick (a timer's, every 20 ms, in the application). */
    private void poll(int times) {
        for (int i = 0; i < times; i++) {
            ConsumerLoopProbe.pollOnce(loop);
            scheduler.tick();
        }
    }

    private long committed() {
        OffsetAndMetadata om = consumer.committed(Set.of(P0)).get(P0);
        return om == null ? 0 : om.offset();
    }

    @Test
    void shouldPauseConsumptionInsteadOfGrowingTheHeapWhenRetryWritesAreNeverAcknowledged() {
        // given: every delivery fails, and no retry write is ever acknowledged (a fenced producer, an ACL, a
        // min.insync.replicas the cluster cannot meet); 1 MiB of memory budget
        start(false, 1 << 20, "s1");
        sender.answer("s1", FakeSender.status(503));
        produce(5000);

        // when
        poll(200);

        // then: the loop took only what fits its share of the budget (each record ~1 KiB), and paused
        long perRecord = SampleEvents.event("person.created", "p0").length + 2 + 512;
        long fit = (long) (0.75 * (1 << 20)) / perRecord;
        double consumed = registry.get(DispatcherMetrics.CONSUMED).counter().count();
        assertThat((long) consumed).isBetween(fit - 5, fit + 500L);
        assertThat(consumer.paused()).contains(P0);
        assertThat(budget.used()).isLessThan((1 << 20) + 500L * perRecord);
        assertThat(committed()).isZero();
    }

    @Test
    void shouldKeepDeliveringToTheHealthySubscriptionWhileItsNeighbourHangs() {
        // given: 5,000 events for a healthy subscription and one whose endpoint never answers
        start(true, 64 << 20, "healthy", "hung");
        sender.hold("hung");
        produce(5000);

        // when: the hung endpoint fills its permits and working queue, and stays silent for over maxQueueDelay
        poll(5);
        clock.advance(Duration.ofMillis(1100));
        poll(100);

        // then: the healthy subscription got everything; the hung one holds 64 requests and what it could send
        // within maxQueueDelay, and the rest of its deliveries went to the retry path without an attempt
        assertThat(sender.calls("healthy")).hasSize(5000);
        assertThat(sender.calls("hung")).hasSize(64);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(producer.history().stream()
                                .filter(r -> WebhookHeaders.get(r.headers(), WebhookHeaders.DEFERRED_REASON)
                                        .isPresent())
                                .count())
                        .isBetween(5000L - 64 - 250, 5000L - 64));

        // when: the hung requests time out (each freed permit starts a queued one, until the circuit opens)
        while (!sender.pending("hung").isEmpty()) {
            sender.pending("hung").forEach(c -> c.answer(FakeSender.timeout(Duration.ofSeconds(10))));
        }

        // then: five timeouts opened its circuit, its queue was deferred too, and every record is committed
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            poll(1);
            assertThat(committed()).isEqualTo(5000);
        });
        assertThat(sender.calls("hung")).hasSize(64 + 4);
    }

    @Test
    void shouldDeadLetterIllFormedUtf8AsInvalidUtf8WithoutRoutingIt() {
        // given: issue 20's event, whose overlong C0 AE the JSON parser decodes as '.': "apiKey.deleted"
        start(true, 64 << 20, "s1");
        sender.answer("s1", FakeSender.delivered());
        byte[] overlong =
                "{\"event\":\"apiKey\u0000\u0000deleted\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        overlong[16] = (byte) 0xC0;
        overlong[17] = (byte) 0xAE;
        consumer.addRecord(new ConsumerRecord<>(EVENTS, 0, 0, "k0".getBytes(), overlong));

        // when
        poll(5);

        // then: not delivered; dead-lettered with the reason, and committed
        assertThat(sender.calls("s1")).isEmpty();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(producer.history())
                        .singleElement()
                        .satisfies(r -> assertThat(WebhookHeaders.get(r.headers(), WebhookHeaders.REASON))
                                .contains("invalid-utf8")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            poll(1);
            assertThat(committed()).isEqualTo(1);
        });
    }
}
