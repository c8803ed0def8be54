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
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.retry.DeadLetters;
import io.webhookdispatcher.retry.DurableWriter;
import io.webhookdispatcher.retry.OutcomeRouter;
import io.webhookdispatcher.retry.RetryIntake;
import io.webhookdispatcher.retry.RetryPolicy;
import io.webhookdispatcher.retry.RetryWriter;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import io.webhookdispatcher.testkit.SampleEvents;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The retry consumer's loop with the real intake, scheduler, router and writer, on MockConsumer and MockProducer:
 * retries due in hours must not take the memory of the ones due now, and a rebalance must not redo finished ones.
 */
class RetryPathTest {
    private static final TopicPartition LONG = new TopicPartition("crm.events.retry-10h", 0);
    private static final TopicPartition SHORT = new TopicPartition("crm.events.retry-5s", 0);

    private final FakeClock clock = new FakeClock();
    private final FakeSender sender = new FakeSender();
    private final DispatcherMetrics metrics = new DispatcherMetrics(
            new SimpleMeterRegistry(),
            true,
            Arrays.stream(DeliveryOutcome.AttemptResult.values())
                    .map(r -> r.label)
                    .toList());
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final DurableWriter writer = new DurableWriter(producer, metrics);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private MemoryBudget budget;
    private ConsumerLoop loop;

    @AfterEach
    void tearDown() {
        writer.close();
        timer.shutdownNow();
    }

    private void start(long budgetBytes, List<TopicPartition> partitions, String... subscriptionIds) {
        var retry = new DispatcherConfig.Retry(
                List.of(Duration.ofSeconds(5), Duration.ofHours(10)),
                0,
                Duration.ofMinutes(1),
                Duration.ofHours(1),
                Set.of(400));
        var policy = new RetryPolicy(retry, "crm.events.retry", () -> 0.5);
        var deadLetters = new DeadLetters(writer, "crm.events.dlt", clock);
        var router = new OutcomeRouter(policy, new RetryWriter(writer), deadLetters, metrics, clock);
        var subscriptions = new Subscriptions(
                Arrays.stream(subscriptionIds)
                        .map(id -> new Subscription(
                                id,
                                URI.create("http://r/" + id),
                                Signing.twenty(new Secret("s")),
                                List.of(EventFilter.parse("*")),
                                true,
                                64,
                                Optional.empty(),
                                CircuitBreaker.Settings.DEFAULTS))
                        .toList(),
                sender,
                clock,
                lane -> {});
        var scheduler = new DeliveryScheduler(
                subscriptions,
                router,
                AttemptLog.NONE,
                EndpointHealth.NONE,
                metrics,
                clock,
                new DeliveryScheduler.Bounds(256, 1000, 16 << 20, Duration.ofSeconds(1), Duration.ofHours(1)));
        var intake = new RetryIntake(subscriptions, scheduler, router, deadLetters, timer, metrics, clock);
        budget = new MemoryBudget(budgetBytes);
        loop = new ConsumerLoop(
                consumer,
                l -> consumer.subscribe(policy.topicPattern(), l),
                intake,
                new ConsumerLoop.FlowControl(1000, Duration.ofSeconds(10)),
                budget.account(0.5),
                Duration.ofSeconds(1),
                new LoopStatus("retry-consumer"),
                clock);
        consumer.updateBeginningOffsets(Map.of(LONG, 0L, SHORT, 0L));
        consumer.setMaxPollRecords(500);
        ConsumerLoopProbe.subscribe(loop);
        consumer.rebalance(partitions);
    }

    private void poll(int times) {
        for (int i = 0; i < times; i++) {
            ConsumerLoopProbe.pollOnce(loop);
        }
    }

    @Test
    void shouldNotLetRetriesDueInHoursTakeTheMemoryOfTheOnesDueNow() {
        // given: 1,000 deferrals of a dead subscription due in 10 h (4 MB, the retry loop's whole share), then 100
        // retries of a healthy one, due now, in the 5 s step
        start(8 << 20, List.of(LONG, SHORT), "dead", "healthy");
        byte[] value = SampleEvents.event("person.created", "p", 4000);
        for (int i = 0; i < 1000; i++) {
            consumer.addRecord(retry(LONG, i, "dead", value, clock.instant().plus(Duration.ofHours(10))));
        }
        poll(10);
        for (int i = 0; i < 100; i++) {
            consumer.addRecord(retry(SHORT, i, "healthy", value, clock.instant()));
        }

        // when
        poll(20);

        // then: the 10 h records stay on the broker (their partition waits), and every due retry is sent
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(sender.calls("healthy")).hasSize(100));
        assertThat(consumer.paused()).containsExactly(LONG);
        assertThat(consumer.position(LONG)).isZero();
        assertThat(sender.calls("dead")).isEmpty();
    }

    @Test
    void shouldNotRedoARetryWhoseDeadLetterWasWrittenWhenItsPartitionMovesAway() throws Exception {
        // given: offset 0 waits 5 s for its due time; offset 1 is due now and answered 400 (dead-lettered)
        sender.answer("perm", FakeSender.status(400));
        start(64 << 20, List.of(SHORT), "perm", "other");
        byte[] value = SampleEvents.event("person.created", "p");
        consumer.addRecord(retry(SHORT, 0, "other", value, clock.instant().plusSeconds(5)));
        consumer.addRecord(retry(SHORT, 1, "perm", value, clock.instant()));
        poll(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters() == 1);

        // when: the partition is revoked (offset 0 is dropped: the commit stays before it) and assigned again
        Thread.sleep(210); // the loop's commit interval is real time
        poll(1);
        consumer.rebalance(List.of());
        consumer.rebalance(List.of(SHORT));
        consumer.addRecord(retry(SHORT, 0, "other", value, clock.instant().plusSeconds(5)));
        consumer.addRecord(retry(SHORT, 1, "perm", value, clock.instant()));
        poll(2);

        // then: offset 1 is known to be done and is skipped: one dead letter, one attempt
        Thread.sleep(300);
        assertThat(deadLetters()).isEqualTo(1);
        assertThat(sender.calls("perm")).hasSize(1);
    }

    private long deadLetters() {
        return producer.history().stream()
                .filter(r -> r.topic().equals("crm.events.dlt"))
                .count();
    }

    private static ConsumerRecord<byte[], byte[]> retry(
            TopicPartition tp, long offset, String subscription, byte[] value, Instant due) {
        var h = new RecordHeaders();
        WebhookHeaders.put(h, WebhookHeaders.SUBSCRIPTION, subscription);
        WebhookHeaders.put(h, WebhookHeaders.DELIVERY_ID, "d-" + subscription + "-" + offset);
        WebhookHeaders.put(h, WebhookHeaders.DUE_AT, due);
        WebhookHeaders.put(h, WebhookHeaders.ATTEMPTS, 1);
        WebhookHeaders.put(h, WebhookHeaders.EVENT_TYPE, "person.created");
        WebhookHeaders.put(h, WebhookHeaders.ORIGINAL_TOPIC, "crm.events");
        WebhookHeaders.put(h, WebhookHeaders.ORIGINAL_PARTITION, 0);
        WebhookHeaders.put(h, WebhookHeaders.ORIGINAL_OFFSET, offset);
        return new ConsumerRecord<>(
                tp.topic(),
                tp.partition(),
                offset,
                0L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0,
                0,
                null,
                value,
                h,
                Optional.empty());
    }
}
