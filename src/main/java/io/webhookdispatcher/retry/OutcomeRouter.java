package io.webhookdispatcher.retry;

import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.OutcomeHandler;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * After each attempt: delivered, retried later (for this subscription only), or dead-lettered.
 *
 * <pre>
 *   2xx ─────────────────────────────► delivered
 *   retryable, attempts left ────────► retry topic of the next step (due time in a header)
 *   retryable, last attempt ─────────► dead-letter topic, reason retries-exhausted
 *   permanent (retry.permanentStatuses) ► dead-letter topic, reason permanent-failure
 * </pre>
 *
 * A delivery's source record is released only once its outcome is durable: the 2xx was received, or
 * the broker acknowledged the retry or dead-letter write.
 */
public final class OutcomeRouter implements OutcomeHandler {
    private final RetryPolicy policy;
    private final RetryWriter retries;
    private final DeadLetters deadLetters;
    private final DispatcherMetrics metrics;
    private final Clock clock;

    public OutcomeRouter(RetryPolicy policy, RetryWriter retries, DeadLetters deadLetters, DispatcherMetrics metrics,
                         Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.retries = Objects.requireNonNull(retries, "retries");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void handle(Delivery d, DeliveryOutcome outcome) {
        String subscription = d.lane().id();
        metrics.attempt(subscription, outcome.result(), outcome.elapsed());
        if (outcome instanceof DeliveryOutcome.Delivered) {
            metrics.delivered(subscription, d.eventType(), lag(d));
            d.source().release();
        } else if (outcome instanceof DeliveryOutcome.Permanent permanent) {
            deadLetter(d, DeadLetters.PERMANENT_FAILURE, permanent.failure());
        } else if (outcome instanceof DeliveryOutcome.Retryable retryable) {
            Optional<RetryPolicy.Next> next = policy.next(d.attempt(), retryable.retryAfter(), clock.instant());
            if (next.isEmpty()) {
                deadLetter(d, DeadLetters.RETRIES_EXHAUSTED, retryable.failure());
                return;
            }
            retries.schedule(d, retryable.failure(), next.get()).thenRun(() -> {
                metrics.retryScheduled(subscription, d.eventType());
                d.source().release();
            });
        }
    }

    private void deadLetter(Delivery d, String reason, DeliveryOutcome.Failure failure) {
        deadLetters.failedDelivery(d, reason, failure).thenRun(() -> {
            metrics.deadLettered(d.lane().id(), d.eventType());
            d.source().release();
        });
    }

    private Duration lag(Delivery d) {
        Instant from = d.occurredAt() != null ? d.occurredAt() : Instant.ofEpochMilli(d.origin().timestamp());
        return Duration.between(from, clock.instant());
    }
}
