package io.webhookdispatcher.retry;

import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.FailurePath;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What happens to a delivery that was not delivered now, for its subscription only.
 *
 * <pre>
 *   retryable, attempts left ────────► retry topic of the next step (due time in a header)
 *   retryable, last attempt ─────────► dead-letter topic, reason retries-exhausted
 *   permanent (retry.permanentStatuses) ► dead-letter topic, reason permanent-failure
 *   deferred (no attempt made) ──────► retry topic of the deferral's step, same attempt number
 *   subscription removed / disabled ─► dead-letter topic, reason subscription-removed / -disabled
 * </pre>
 *
 * Each completes once the write is acknowledged (or DROPPED if the lease ended first); the metric counts
 * only durable verdicts.
 */
public final class OutcomeRouter implements FailurePath {
    private final RetryPolicy policy;
    private final RetryWriter retries;
    private final DeadLetters deadLetters;
    private final DispatcherMetrics metrics;
    private final Clock clock;

    public OutcomeRouter(
            RetryPolicy policy, RetryWriter retries, DeadLetters deadLetters, DispatcherMetrics metrics, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.retries = Objects.requireNonNull(retries, "retries");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<RecordCompletion> failed(Delivery d, DeliveryOutcome outcome) {
        if (outcome instanceof DeliveryOutcome.Permanent permanent) {
            return deadLetter(d, DeadLetters.PERMANENT_FAILURE, permanent.failure());
        }
        if (!(outcome instanceof DeliveryOutcome.Retryable retryable)) {
            throw new IllegalArgumentException("not a failure: " + outcome);
        }
        Optional<RetryPolicy.Next> next = policy.next(d.attempt(), retryable.retryAfter(), clock.instant());
        if (next.isEmpty()) {
            return deadLetter(d, DeadLetters.RETRIES_EXHAUSTED, retryable.failure());
        }
        return counted(
                retries.schedule(d, deadLetters.attempted(retryable.failure()), next.get()),
                () -> metrics.retryScheduled(d.lane().id(), d.eventType()));
    }

    /**
     * Deferred one step further; or, once it has been pending longer than the whole schedule ({@link
     * RetryPolicy#patience()}), dead-lettered as retries-exhausted: deferral never loops for ever.
     */
    @Override
    public CompletableFuture<RecordCompletion> defer(Delivery d, String reason, Duration atLeast, Duration likely) {
        Instant now = clock.instant();
        Instant since = d.pendingSince();
        if (since != null && !since.plus(policy.patience()).isAfter(now)) {
            return deadLetter(d, DeadLetters.RETRIES_EXHAUSTED, null);
        }
        int deferral = d.deferrals() + 1;
        return counted(
                retries.defer(d, reason, deferral, policy.deferral(d.attempt(), deferral, atLeast, likely, now), now),
                () -> metrics.deferred(d.lane().id(), d.eventType(), reason));
    }

    @Override
    public CompletableFuture<RecordCompletion> abandon(Delivery d, String reason) {
        return deadLetter(d, reason, null);
    }

    private CompletableFuture<RecordCompletion> deadLetter(Delivery d, String reason, DeliveryOutcome.Failure failure) {
        return counted(
                deadLetters.failedDelivery(d, reason, failure),
                () -> metrics.deadLettered(d.lane().id(), d.eventType()));
    }

    private static CompletableFuture<RecordCompletion> counted(
            CompletableFuture<RecordCompletion> write, Runnable count) {
        return write.thenApply(how -> {
            if (how == RecordCompletion.DURABLE) {
                count.run();
            }
            return how;
        });
    }
}
