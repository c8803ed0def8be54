package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.DeferralReason;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryScheduler;
import io.webhookdispatcher.dispatch.EndpointHealth;
import io.webhookdispatcher.dispatch.FailurePath;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the retry topics' handler makes of a record: one delivery, several deferred together, or a dead letter. */
class RetryIntakeTest {
    private final FakeClock clock = new FakeClock();
    private final FakeSender sender = new FakeSender();
    private final DispatcherMetrics metrics = new DispatcherMetrics(new SimpleMeterRegistry(), true, List.of());
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Lease lease = new Lease(new TopicPartition("events.retry-5s", 0));
    private final Subscriptions subscriptions =
            new Subscriptions(List.of(subscription("a"), subscription("b")), sender, clock, lane -> {});
    private final DeadLetters deadLetters =
            new DeadLetters(new DurableWriter(producer, metrics), "events.dead-letter", clock);
    private final RetryIntake intake = intake(new NoFailures());

    /** The intake under test, whose scheduler and intake send what fails to {@code failures}. */
    private RetryIntake intake(FailurePath failures) {
        return new RetryIntake(
                subscriptions,
                new DeliveryScheduler(
                        subscriptions,
                        failures,
                        AttemptLog.NONE,
                        EndpointHealth.NONE,
                        metrics,
                        clock,
                        new DeliveryScheduler.Bounds(16, 100, 1 << 20, Duration.ofSeconds(1), Duration.ofMinutes(1))),
                failures,
                deadLetters,
                timer,
                metrics,
                clock);
    }

    /** A failure path nothing should take here. */
    private static class NoFailures implements FailurePath {
        @Override
        public CompletableFuture<RecordCompletion> failed(Delivery delivery, DeliveryOutcome outcome) {
            throw new AssertionError("no attempt fails here");
        }

        @Override
        public CompletableFuture<RecordCompletion> defer(
                Delivery delivery, DeferralReason reason, Duration atLeast, Duration likely) {
            throw new AssertionError("nothing is deferred here");
        }

        @Override
        public CompletableFuture<RecordCompletion> abandon(Delivery delivery, String reason) {
            throw new AssertionError("nothing is abandoned here");
        }
    }

    private static Subscription subscription(String id) {
        return new Subscription(
                id,
                URI.create("http://receiver/" + id),
                new Secret("secret-" + id),
                List.of(EventFilter.parse("*")),
                true);
    }

    /** A retry record due now, with these headers (name, value, name, value, ...). */
    private static ConsumerRecord<byte[], byte[]> retryRecord(String... headers) {
        var r = new ConsumerRecord<byte[], byte[]>(
                "events.retry-5s", 0, 7, "k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
        WebhookHeaders.put(r.headers(), WebhookHeaders.EVENT_TYPE, "person.created");
        for (int i = 0; i < headers.length; i += 2) {
            WebhookHeaders.put(r.headers(), headers[i], headers[i + 1]);
        }
        return r;
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return WebhookHeaders.get(r.headers(), name).orElse(null);
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void shouldDeliverARecordDeferredTogetherToEachSubscriptionUnderItsOwnDeliveryId() throws Exception {
        // when
        var done = intake.handle(retryRecord(WebhookHeaders.SUBSCRIPTIONS, "a:id-of-a,b:id-of-b"), lease)
                .toCompletableFuture();

        // then
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(RecordCompletion.DURABLE);
        assertThat(sender.calls("a")).extracting(FakeSender.Call::deliveryId).containsExactly("id-of-a");
        assertThat(sender.calls("b")).extracting(FakeSender.Call::deliveryId).containsExactly("id-of-b");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldDeadLetterAnUnknownSubscriptionOfARecordDeferredTogetherAloneAndDeliverTheOthers() throws Exception {
        // when
        var done = intake.handle(retryRecord(WebhookHeaders.SUBSCRIPTIONS, "a:id-of-a,gone:id-of-gone"), lease)
                .toCompletableFuture();

        // then: its dead letter is addressed to it alone, so that replay --subscription gone finds it
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(RecordCompletion.DURABLE);
        assertThat(sender.calls("a")).extracting(FakeSender.Call::deliveryId).containsExactly("id-of-a");
        assertThat(producer.history()).singleElement().satisfies(dead -> {
            assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo(DeadLetters.INVALID_RETRY_RECORD);
            assertThat(header(dead, WebhookHeaders.SUBSCRIPTION)).isEqualTo("gone");
            assertThat(header(dead, WebhookHeaders.DELIVERY_ID)).isEqualTo("id-of-gone");
            assertThat(header(dead, WebhookHeaders.SUBSCRIPTIONS)).isNull();
        });
    }

    @Test
    void shouldNotGiveARecreatedSubscriptionTheRetriesOfTheOneDeletedBeforeIt() throws Exception {
        // given: b deleted and created again (topics.subscriptions) after its retry went on the failure path
        var abandoned = new java.util.concurrent.ConcurrentHashMap<String, String>();
        FailurePath recording = new NoFailures() {
            @Override
            public CompletableFuture<RecordCompletion> abandon(Delivery delivery, String reason) {
                abandoned.put(delivery.lane().id(), reason);
                return CompletableFuture.completedFuture(RecordCompletion.DURABLE);
            }
        };
        java.time.Instant failedAt = clock.instant();
        clock.advance(Duration.ofMinutes(5));
        subscriptions.replace(List.of(subscription("a"), subscription("b").createdAt(clock.instant())));
        var intake = intake(recording);

        // when: its retry and one of a, first attempted before b's new creation
        var done = intake.handle(
                        retryRecord(
                                WebhookHeaders.SUBSCRIPTIONS,
                                "a:id-of-a,b:id-of-b",
                                WebhookHeaders.FIRST_ATTEMPT_AT,
                                failedAt.toString()),
                        lease)
                .toCompletableFuture();

        // then: a's is delivered; b's is dead-lettered subscription-removed, never sent to the new b
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(RecordCompletion.DURABLE);
        assertThat(sender.calls("a")).extracting(FakeSender.Call::deliveryId).containsExactly("id-of-a");
        assertThat(sender.calls("b")).isEmpty();
        assertThat(abandoned).containsExactly(java.util.Map.entry("b", DeadLetters.SUBSCRIPTION_REMOVED));
    }

    @Test
    void shouldDeadLetterARecordWhoseHeadersDoNotParseInsteadOfFailingIt() throws Exception {
        for (var bad : List.of(
                retryRecord(
                        WebhookHeaders.SUBSCRIPTION,
                        "a",
                        WebhookHeaders.DELIVERY_ID,
                        "x",
                        WebhookHeaders.ATTEMPTS,
                        "two"),
                retryRecord(WebhookHeaders.SUBSCRIPTIONS, "a:x,b:y", WebhookHeaders.EVENT_TIME, "yesterday"),
                retryRecord(WebhookHeaders.SUBSCRIPTIONS, "a:x,b"))) {
            assertThat(intake.handle(bad, lease).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isEqualTo(RecordCompletion.DURABLE);
        }
        assertThat(producer.history())
                .hasSize(3)
                .allSatisfy(dead ->
                        assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo(DeadLetters.INVALID_RETRY_RECORD));
        assertThat(sender.calls("a")).isEmpty();
    }
}
