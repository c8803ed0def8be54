package io.webhookdispatcher.retry;

import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.DeferralReason;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.FailurePath;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
    private final AttemptLog attemptLog;
    private final Clock clock;

    public OutcomeRouter(
            RetryPolicy policy, RetryWriter retries, DeadLetters deadLetters, DispatcherMetrics metrics, Clock clock) {
        this(policy, retries, deadLetters, metrics, AttemptLog.NONE, clock);
    }

    /** @param attemptLog told each verdict once it is durable (and each attempt whose write its lease outlived) */
    public OutcomeRouter(
            RetryPolicy policy,
            RetryWriter retries,
            DeadLetters deadLetters,
            DispatcherMetrics metrics,
            AttemptLog attemptLog,
            Clock clock) {
        this.attemptLog = Objects.requireNonNull(attemptLog, "attemptLog");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.retries = Objects.requireNonNull(retries, "retries");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<RecordCompletion> failed(Delivery d, DeliveryOutcome outcome) {
        // called as the attempt ends: its start is its duration ago
        var attempt = new Logged(outcome, clock.instant().minus(outcome.elapsed()));
        if (outcome instanceof DeliveryOutcome.Permanent permanent) {
            return deadLetter(d, DeadLetters.PERMANENT_FAILURE, permanent.failure(), attempt);
        }
        if (!(outcome instanceof DeliveryOutcome.Retryable retryable)) {
            throw new IllegalArgumentException("not a failure: " + outcome);
        }
        Optional<RetryPolicy.Next> next = policy.next(d.retry().attempt(), retryable.retryAfter(), clock.instant());
        if (next.isEmpty()) {
            return deadLetter(d, DeadLetters.RETRIES_EXHAUSTED, retryable.failure(), attempt);
        }
        return counted(
                retries.schedule(d, deadLetters.attempted(retryable.failure()), next.get()),
                () -> metrics.retryScheduled(d.lane().id(), d.message().eventType()),
                d,
                attempt,
                AttemptLog.Verdict.RETRY_SCHEDULED,
                null);
    }

    /**
     * Deferred one step further; or, once it has been pending longer than the whole schedule ({@link
     * RetryPolicy#patience()}), dead-lettered as retries-exhausted: deferral never loops for ever.
     */
    @Override
    public CompletableFuture<RecordCompletion> defer(
            Delivery d, DeferralReason reason, Duration atLeast, Duration likely) {
        Instant now = clock.instant();
        Instant since = d.retry().pendingSince();
        if (since != null && !since.plus(policy.patience()).isAfter(now)) {
            return deadLetter(d, DeadLetters.RETRIES_EXHAUSTED, null, new Logged(null, now));
        }
        int deferral = d.retry().deferrals() + 1;
        return counted(
                retries.defer(
                        d, reason, deferral, policy.deferral(d.retry().attempt(), deferral, atLeast, likely, now), now),
                () -> metrics.deferred(d.lane().id(), d.message().eventType(), reason.wireName),
                d,
                new Logged(null, now),
                reason == DeferralReason.CIRCUIT_OPEN ? AttemptLog.Verdict.CIRCUIT_OPEN : AttemptLog.Verdict.DEFERRED,
                reason.wireName);
    }

    /** {@link #defer} for deliveries of one record with one retry state: one write names them all. */
    @Override
    public CompletableFuture<RecordCompletion> deferTogether(
            List<Delivery> ds, DeferralReason reason, Duration atLeast, Duration likely) {
        Delivery d = ds.get(0);
        Instant now = clock.instant();
        Instant since = d.retry().pendingSince();
        if (ds.size() == 1 || (since != null && !since.plus(policy.patience()).isAfter(now))) {
            return FailurePath.super.deferTogether(ds, reason, atLeast, likely); // one by one (dead letters are)
        }
        int deferral = d.retry().deferrals() + 1;
        CompletableFuture<RecordCompletion> write = retries.deferTogether(
                ds, reason, deferral, policy.deferral(d.retry().attempt(), deferral, atLeast, likely, now), now);
        var logged = new Logged(null, now);
        var verdict =
                reason == DeferralReason.CIRCUIT_OPEN ? AttemptLog.Verdict.CIRCUIT_OPEN : AttemptLog.Verdict.DEFERRED;
        CompletableFuture<RecordCompletion> all = null;
        for (Delivery one : ds) {
            CompletableFuture<RecordCompletion> counted = counted(
                    write,
                    () -> metrics.deferred(one.lane().id(), one.message().eventType(), reason.wireName),
                    one,
                    logged,
                    verdict,
                    reason.wireName);
            all = all == null ? counted : all.thenCombine(counted, RecordCompletion::and);
        }
        return all;
    }

    @Override
    public CompletableFuture<RecordCompletion> abandon(Delivery d, String reason) {
        return deadLetter(d, reason, null, new Logged(null, clock.instant()));
    }

    private CompletableFuture<RecordCompletion> deadLetter(
            Delivery d, String reason, DeliveryOutcome.Failure failure, Logged attempt) {
        return counted(
                deadLetters.failedDelivery(d, reason, failure),
                () -> metrics.deadLettered(d.lane().id(), d.message().eventType()),
                d,
                attempt,
                AttemptLog.Verdict.DEAD_LETTERED,
                reason);
    }

    /** The attempt a verdict is about (outcome null: none was made) and when it started (or the verdict was made). */
    private record Logged(DeliveryOutcome outcome, Instant startedAt) {}

    /** Counts a durable verdict and tells the attempt log, which only hears of it: it never delays or fails it. */
    private CompletableFuture<RecordCompletion> counted(
            CompletableFuture<RecordCompletion> write,
            Runnable count,
            Delivery d,
            Logged attempt,
            AttemptLog.Verdict verdict,
            String reason) {
        return write.thenApply(how -> {
            if (how == RecordCompletion.DURABLE) {
                count.run();
                attemptLog.record(d, attempt.outcome(), attempt.startedAt(), verdict, reason);
            } else if (attempt.outcome() != null) {
                attemptLog.record(d, attempt.outcome(), attempt.startedAt(), AttemptLog.Verdict.REBALANCED, reason);
            }
            return how;
        });
    }
}
