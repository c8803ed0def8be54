package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the scheduler's decisions and its attempts' outcomes go once its lock is released: the record's future (a
 * delivery), the {@link FailurePath} (a failed attempt, a deferral, an abandonment), the delivery log, metrics,
 * auto-disable's health signal and the circuit's log lines. Never calls back into the scheduler.
 */
final class Outcomes {
    private static final Logger log = LoggerFactory.getLogger(Outcomes.class);

    private final FailurePath failures;
    private final AttemptLog attemptLog;
    private final EndpointHealth health;
    private final DispatcherMetrics metrics;
    private final Clock clock;

    Outcomes(
            FailurePath failures,
            AttemptLog attemptLog,
            EndpointHealth health,
            DispatcherMetrics metrics,
            Clock clock) {
        this.failures = Objects.requireNonNull(failures, "failures");
        this.attemptLog = Objects.requireNonNull(attemptLog, "attemptLog");
        this.health = Objects.requireNonNull(health, "health");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** An attempt came to {@code outcome}: delivered, or onto the failure path; its permit is already free. */
    void attempted(Job job, Delivery d, DeliveryOutcome outcome, Instant startedAt) {
        Lane lane = d.lane();
        metrics.attempt(lane.id(), outcome.result().label, outcome.elapsed());
        boolean delivered = outcome instanceof DeliveryOutcome.Delivered;
        if (!d.lease().owned()) {
            var verdict = delivered ? AttemptLog.Verdict.DELIVERED : AttemptLog.Verdict.REBALANCED;
            attemptLog.record(d, outcome, startedAt, verdict, null);
            job.done.complete(RecordCompletion.DROPPED); // its next owner redoes it; writing would fork the chain
            return;
        }
        if (delivered) {
            metrics.delivered(lane.id(), d.message().eventType(), lag(d));
            attemptLog.record(d, outcome, startedAt, AttemptLog.Verdict.DELIVERED, null);
            job.done.complete(RecordCompletion.DURABLE);
        } else {
            pipe(failures.failed(d, outcome), job);
        }
    }

    /** Back on the retry path without an attempt, no earlier than {@code atLeastMillis}, preferably after {@code likelyMillis}. */
    void defer(Job job, DeferralReason reason, long atLeastMillis, long likelyMillis) {
        try {
            health.deferred(job.delivery.lane());
        } catch (RuntimeException bug) {
            log.error("auto-disable failed to count a deferral; the delivery goes on", bug);
        }
        pipe(
                failures.defer(job.delivery, reason, Duration.ofMillis(atLeastMillis), Duration.ofMillis(likelyMillis)),
                job);
    }

    /** Deferred together: one write on the retry path for the group ({@link FailurePath#deferTogether}). */
    void deferTogether(Admitted.Group group) {
        if (group.jobs.size() == 1) {
            group.jobs.get(0).handOn(j -> defer(j, group.reason, group.atLeastMillis, group.likelyMillis));
            return;
        }
        List<Delivery> deliveries = new ArrayList<>(group.jobs.size());
        for (Job job : group.jobs) {
            try {
                health.deferred(job.delivery.lane());
            } catch (RuntimeException bug) {
                log.error("auto-disable failed to count a deferral; the delivery goes on", bug);
            }
            deliveries.add(job.delivery);
        }
        try {
            var written = failures.deferTogether(
                    deliveries,
                    group.reason,
                    Duration.ofMillis(group.atLeastMillis),
                    Duration.ofMillis(group.likelyMillis));
            group.jobs.forEach(job -> pipe(written, job));
        } catch (RuntimeException bug) {
            group.jobs.forEach(job -> job.done.completeExceptionally(bug));
        }
    }

    /** Never to be attempted: dead-lettered with {@code reason}. */
    void abandon(Job job, String reason) {
        pipe(failures.abandon(job.delivery, reason), job);
    }

    /** The attempt's health signal, for auto-disable: advisory, so a bug there never costs a delivery its outcome. */
    void health(Lane lane, long now, DeliveryOutcome outcome, boolean unwell) {
        try {
            if (unwell) {
                health.failed(lane, now, outcome);
            } else {
                health.answered(lane, now);
            }
        } catch (RuntimeException bug) {
            log.error("auto-disable failed to take an attempt's outcome into account; the delivery goes on", bug);
        }
    }

    void transitioned(Lane lane, CircuitBreaker.Transition t) {
        metrics.circuitTransition(lane.id(), t.to().name().toLowerCase(Locale.ROOT));
        if (t.to() == CircuitBreaker.State.OPEN) {
            log.warn(
                    "circuit of subscription {} opened ({}): deliveries are deferred for {} before one probe",
                    lane.id(),
                    t.why(),
                    t.openFor());
        } else {
            log.info("circuit of subscription {}: {} -> {} ({})", lane.id(), t.from(), t.to(), t.why());
        }
    }

    /** What says the endpoint itself is unwell: no answer, or an answer that says it cannot take requests. */
    static boolean endpointUnwell(DeliveryOutcome outcome) {
        if (!(outcome instanceof DeliveryOutcome.Retryable retryable)) {
            return false;
        }
        return switch (retryable.failure().result()) {
            case TIMEOUT, CONNECT_ERROR, TLS_ERROR, SERVER_5XX, OTHER_ERROR -> true;
            case CLIENT_4XX -> retryable.failure().status() == 429;
            default -> false;
        };
    }

    private Duration lag(Delivery d) {
        Instant from = d.message().occurredAt() != null
                ? d.message().occurredAt()
                : Instant.ofEpochMilli(d.message().origin().timestamp());
        return Duration.between(from, clock.instant());
    }

    static void pipe(java.util.concurrent.CompletableFuture<RecordCompletion> from, Job job) {
        from.whenComplete((how, error) -> {
            if (error != null) {
                job.done.completeExceptionally(error);
            } else {
                job.done.complete(how);
            }
        });
    }
}
