package io.webhookdispatcher.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.AttemptLog.Verdict;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What the health endpoint tells of a subscription's recent attempts, and that the delivery log hears them all. */
class AttemptStatsTest {
    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

    private final Subscriptions subscriptions = new Subscriptions(
            List.of(subscription("crm"), subscription("erp")), new FakeSender(), new FakeClock(), lane -> {});
    private final List<String> logged = new ArrayList<>();
    private final AttemptLog log = (delivery, outcome, startedAt, verdict, reason) ->
            logged.add(delivery.lane().id() + " " + verdict + " " + (outcome == null ? "-" : outcome.result().label));
    private final AttemptStats stats = new AttemptStats(log);

    @Test
    void shouldKnowNothingBeforeTheFirstAttempt() {
        assertThat(stats.summary("crm")).isEmpty();
    }

    @Test
    void shouldTellTheSuccessRatioOfTheLastHundredAttempts() {
        // 50 failures that fall out of the window, then 25 failures and 75 successes
        for (int i = 0; i < 50; i++) {
            record("crm", failure(500), i);
        }
        for (int i = 0; i < 100; i++) {
            record("crm", i % 4 == 0 ? failure(503) : new DeliveryOutcome.Delivered(200, Duration.ofMillis(3)), 50 + i);
        }

        AttemptStats.Summary summary = stats.summary("crm").orElseThrow();

        assertThat(summary.window()).isEqualTo(100);
        assertThat(summary.successRatio()).isEqualTo(0.75);
    }

    @Test
    void shouldTellTheRatioOfFewerAttemptsThanTheWindow() {
        record("crm", new DeliveryOutcome.Delivered(200, Duration.ZERO), 0);
        record("crm", failure(500), 1);
        record("crm", failure(500), 2);
        record("crm", new DeliveryOutcome.Delivered(201, Duration.ZERO), 3);

        AttemptStats.Summary summary = stats.summary("crm").orElseThrow();

        assertThat(summary.window()).isEqualTo(4);
        assertThat(summary.successRatio()).isEqualTo(0.5);
    }

    @Test
    void shouldTellTheLastAttemptsTimeResultAndStatus() {
        record("crm", new DeliveryOutcome.Delivered(200, Duration.ZERO), 0);
        record("crm", failure(502), 7);

        AttemptStats.Summary summary = stats.summary("crm").orElseThrow();

        assertThat(summary.lastAttemptAt()).isEqualTo(START.plusSeconds(7));
        assertThat(summary.lastResult()).isEqualTo("5xx");
        assertThat(summary.lastStatus()).isEqualTo(502);
    }

    @Test
    void shouldTellAStatusOfZeroWithoutAResponse() {
        record(
                "crm",
                new DeliveryOutcome.Permanent(new DeliveryOutcome.Failure(
                        AttemptResult.BLOCKED_DESTINATION, 0, "blocked-destination", "", "", Duration.ZERO)),
                0);

        AttemptStats.Summary summary = stats.summary("crm").orElseThrow();

        assertThat(summary.lastStatus()).isZero();
        assertThat(summary.lastResult()).isEqualTo(AttemptResult.BLOCKED_DESTINATION.label);
        assertThat(summary.successRatio()).isZero();
    }

    @Test
    void shouldKeepEachSubscriptionApart() {
        record("crm", new DeliveryOutcome.Delivered(200, Duration.ZERO), 0);
        record("erp", failure(500), 1);

        assertThat(stats.summary("crm").orElseThrow().successRatio()).isEqualTo(1.0);
        assertThat(stats.summary("erp").orElseThrow().successRatio()).isZero();
    }

    @Test
    void shouldCountNoDecisionMadeWithoutAnAttempt() {
        stats.record(delivery("crm"), null, START, Verdict.DEFERRED, "queue-full");

        assertThat(stats.summary("crm")).isEmpty();
        assertThat(logged).containsExactly("crm DEFERRED -");
    }

    @Test
    void shouldForgetADeletedSubscription() {
        record("crm", new DeliveryOutcome.Delivered(200, Duration.ZERO), 0);
        record("erp", new DeliveryOutcome.Delivered(200, Duration.ZERO), 0);

        stats.forget("crm");

        assertThat(stats.summary("crm")).isEmpty();
        assertThat(stats.summary("erp")).isPresent();
    }

    @Test
    void shouldTellTheDeliveryLogOfEverything() {
        record("crm", new DeliveryOutcome.Delivered(200, Duration.ZERO), 0);
        record("crm", failure(500), 1);
        stats.forget("crm");
        stats.record(delivery("erp"), null, START, Verdict.CIRCUIT_OPEN, null);

        assertThat(logged).containsExactly("crm DELIVERED 2xx", "crm RETRY_SCHEDULED 5xx", "erp CIRCUIT_OPEN -");
    }

    private void record(String id, DeliveryOutcome outcome, int second) {
        Verdict verdict = outcome instanceof DeliveryOutcome.Delivered ? Verdict.DELIVERED : Verdict.RETRY_SCHEDULED;
        stats.record(delivery(id), outcome, START.plusSeconds(second), verdict, null);
    }

    private static DeliveryOutcome failure(int status) {
        return new DeliveryOutcome.Retryable(
                new DeliveryOutcome.Failure(
                        AttemptResult.ofStatus(status), status, "HttpStatus", "", "", Duration.ofMillis(5)),
                Optional.empty());
    }

    private Delivery delivery(String id) {
        return Delivery.first(
                new Delivery.Message(
                        "msg_" + id,
                        null,
                        "{}".getBytes(StandardCharsets.UTF_8),
                        "person.created",
                        null,
                        new Delivery.Origin("crm.events", 0, 0, 0)),
                subscriptions.lane(id).orElseThrow(),
                new Lease(new TopicPartition("crm.events", 0)));
    }

    private static Subscription subscription(String id) {
        return new Subscription(
                id,
                URI.create("https://hooks.example.com/" + id),
                Signing.twenty(new Secret("attempt-stats-test-secret-0123456789")),
                List.of(EventFilter.parse("*")),
                true,
                4,
                Optional.empty(),
                CircuitBreaker.Settings.DEFAULTS);
    }
}
