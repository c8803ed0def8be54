package io.webhookdispatcher.attempts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.dispatch.AttemptLog.Verdict;
import io.webhookdispatcher.dispatch.CircuitBreaker;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class AttemptRecordTest {
    private static final String SECRET = "attempt-record-test-secret-0123456789";
    private static final String BODY = "{\"event\":\"person.created\",\"data\":{\"email\":\"ada@example.com\"}}";
    private static final Instant STARTED = Instant.parse("2026-12-01T10:00:00Z");

    private final Subscriptions subscriptions = new Subscriptions(
            List.of(new Subscription(
                    "crm",
                    URI.create("http://receiver/crm?token=" + SECRET),
                    Signing.twenty(new Secret(SECRET)),
                    List.of(EventFilter.parse("*")),
                    true,
                    4,
                    Optional.empty(),
                    CircuitBreaker.Settings.DEFAULTS)),
            new FakeSender(),
            new FakeClock(),
            lane -> {});

    private Delivery delivery(byte[] key, int attempt) {
        return new Delivery(
                new Delivery.Message(
                        "msg_abc",
                        key,
                        BODY.getBytes(StandardCharsets.UTF_8),
                        "person.created",
                        null,
                        new Delivery.Origin("crm.events", 2, 41, 0)),
                new Delivery.RetryState(attempt, null, 0, null, null),
                subscriptions.lane("crm").orElseThrow(),
                new Lease(new TopicPartition("crm.events", 2)));
    }

    private static DeliveryOutcome.Retryable failedWith500() {
        return new DeliveryOutcome.Retryable(
                new DeliveryOutcome.Failure(
                        DeliveryOutcome.AttemptResult.SERVER_5XX,
                        500,
                        "HttpStatus",
                        "HTTP 500 from http://receiver/crm?token=" + SECRET,
                        "response body with ada@example.com",
                        Duration.ofMillis(12)),
                Optional.empty());
    }

    @Test
    void shouldCarryWhatWasTriedAndWhatCameOfItButNoBodySecretOrResponse() throws Exception {
        // given: a failed second attempt whose failure carries a response body and a URL with a token
        var record = AttemptRecord.of(
                delivery("p1".getBytes(StandardCharsets.UTF_8), 2),
                failedWith500(),
                STARTED,
                Verdict.RETRY_SCHEDULED,
                null);

        // when
        String json = new String(record.toJson(), StandardCharsets.UTF_8);

        // then
        var tree = new ObjectMapper().readTree(json);
        assertThat(tree.get("deliveryId").asText()).isEqualTo("msg_abc");
        assertThat(tree.get("subscription").asText()).isEqualTo("crm");
        assertThat(tree.get("eventType").asText()).isEqualTo("person.created");
        assertThat(tree.get("key").asText()).isEqualTo("p1");
        assertThat(tree.get("topic").asText()).isEqualTo("crm.events");
        assertThat(tree.get("partition").asInt()).isEqualTo(2);
        assertThat(tree.get("offset").asLong()).isEqualTo(41);
        assertThat(tree.get("attempt").asInt()).isEqualTo(2);
        assertThat(tree.get("startedAt").asText()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(tree.get("durationMs").asLong()).isEqualTo(12);
        assertThat(tree.get("status").asInt()).isEqualTo(500);
        assertThat(tree.get("result").asText()).isEqualTo("5xx");
        assertThat(tree.get("errorClass").asText()).isEqualTo("HttpStatus");
        assertThat(tree.get("outcome").asText()).isEqualTo("retry_scheduled");
        assertThat(json).doesNotContain(SECRET, "ada@example.com", "response body", "token");
        assertThat(AttemptRecord.fromJson(record.toJson())).isEqualTo(record);
    }

    @Test
    void shouldWriteAKeyThatIsNotTextAsBase64() {
        var record = AttemptRecord.of(
                delivery(new byte[] {(byte) 0xff, 0x00, 0x10}, 1), null, STARTED, Verdict.CIRCUIT_OPEN, "circuit-open");

        assertThat(record.key()).isNull();
        assertThat(record.keyBase64()).isEqualTo("/wAQ");
        assertThat(record.keyText()).isEqualTo("/wAQ");
        assertThat(record.status()).isNull();
        assertThat(record.durationMs()).isNull();
        assertThat(record.reason()).isEqualTo("circuit-open");
    }

    @Test
    void shouldMatchOnlyWhatEveryFilterAllows() {
        var record = AttemptRecord.of(
                delivery("p1".getBytes(StandardCharsets.UTF_8), 3),
                new DeliveryOutcome.Delivered(200, Duration.ofMillis(5)),
                STARTED,
                Verdict.DELIVERED,
                null);
        var all = new AttemptQuery.Filter(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                STARTED,
                Optional.empty());

        assertThat(all.matches(record)).isTrue();
        assertThat(with(all, "crm", "p1", "msg_abc", "person.*", "delivered").matches(record))
                .isTrue();
        assertThat(with(all, "other", null, null, null, null).matches(record)).isFalse();
        assertThat(with(all, null, "p2", null, null, null).matches(record)).isFalse();
        assertThat(with(all, null, null, "msg_other", null, null).matches(record))
                .isFalse();
        assertThat(with(all, null, null, null, "note.*", null).matches(record)).isFalse();
        assertThat(with(all, null, null, null, null, "dead_lettered").matches(record))
                .isFalse();
        assertThat(new AttemptQuery.Filter(
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                STARTED.plusMillis(1),
                                Optional.empty())
                        .matches(record))
                .isFalse();
        assertThat(new AttemptQuery.Filter(
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                STARTED.minusSeconds(60),
                                Optional.of(STARTED))
                        .matches(record))
                .isFalse();
    }

    @Test
    void shouldDropAndCountWhenTheQueueIsFullWithoutBlocking() {
        // given: a log whose writer never runs, with room for one record
        var registry = new SimpleMeterRegistry();
        var metrics = new DispatcherMetrics(registry, true, List.of());
        var producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        var log = new KafkaAttemptLog(producer, "attempts", 1, metrics);
        Delivery d = delivery("p1".getBytes(StandardCharsets.UTF_8), 1);

        // when
        CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 3; i++) {
                        log.record(d, null, STARTED, Verdict.DEFERRED, "queue-full");
                    }
                })
                .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                .join();

        // then: two dropped and counted; the other reasons exist at zero
        assertThat(registry.get(DispatcherMetrics.ATTEMPT_LOG_FAILURES)
                        .tag("reason", KafkaAttemptLog.QUEUE_FULL)
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get(DispatcherMetrics.ATTEMPT_LOG_FAILURES)
                        .tag("reason", KafkaAttemptLog.SEND_FAILED)
                        .counter()
                        .count())
                .isZero();
        log.close(Duration.ofMillis(100));
    }

    private static AttemptQuery.Filter with(
            AttemptQuery.Filter base, String subscription, String key, String id, String event, String outcome) {
        return new AttemptQuery.Filter(
                Optional.ofNullable(subscription),
                Optional.ofNullable(key),
                Optional.ofNullable(id),
                Optional.ofNullable(event).map(EventFilter::parse),
                Optional.ofNullable(outcome),
                base.since(),
                base.until());
    }
}
