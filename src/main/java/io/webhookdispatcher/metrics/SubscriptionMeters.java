package io.webhookdispatcher.metrics;

import static io.webhookdispatcher.metrics.DispatcherMetrics.ATTEMPTS;
import static io.webhookdispatcher.metrics.DispatcherMetrics.CIRCUIT_TRANSITIONS;
import static io.webhookdispatcher.metrics.DispatcherMetrics.DEFERRALS;
import static io.webhookdispatcher.metrics.DispatcherMetrics.DELIVERIES;
import static io.webhookdispatcher.metrics.DispatcherMetrics.DURATION;
import static io.webhookdispatcher.metrics.DispatcherMetrics.FILTERED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.FILTER_ERRORS;
import static io.webhookdispatcher.metrics.DispatcherMetrics.LAG;
import static io.webhookdispatcher.metrics.DispatcherMetrics.OUTCOME_DEAD_LETTERED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.OUTCOME_DEFERRED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.OUTCOME_DELIVERED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.OUTCOME_RETRY_SCHEDULED;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One configured subscription's meters, looked up once and kept: they are counted a few times per delivery on the
 * hot path. Every label set is bounded (configured results and reasons, fixed outcomes, {@link EventTypeLabels}),
 * so the caches are too. Made only for configured subscriptions, so an id from input never adds series.
 */
final class SubscriptionMeters {
    private static final List<String> OUTCOMES =
            List.of(OUTCOME_DELIVERED, OUTCOME_RETRY_SCHEDULED, OUTCOME_DEAD_LETTERED, OUTCOME_DEFERRED);
    private static final Duration[] DURATION_BUCKETS =
            Meters.seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private static final Duration[] LAG_BUCKETS =
            Meters.seconds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 10800, 36000, 86400);

    private final Meters meters;
    private final EventTypeLabels eventTypes;
    private final String subscription;
    /** Read-only once built; a result outside the configured set is registered on each use instead. */
    private final Map<String, Counter> attempts = new HashMap<>();

    private final Map<String, Counter> deferrals = new ConcurrentHashMap<>();
    private final Counter filtered;
    private final Counter filterErrors;
    private final Timer durationDelivered;
    private final Timer durationFailed;
    private final Timer lag;
    /** Event type, then outcome. */
    private final Map<String, Map<String, Counter>> verdicts = new ConcurrentHashMap<>();

    /**
     * Everything but the verdicts of event types not yet seen exists at zero from here on.
     *
     * @param attemptResults  the bounded label set of {@code result}
     * @param deferralReasons the bounded label set of a deferral's {@code reason}
     */
    SubscriptionMeters(
            Meters meters,
            EventTypeLabels eventTypes,
            String subscription,
            List<String> attemptResults,
            List<String> deferralReasons) {
        this.meters = meters;
        this.eventTypes = eventTypes;
        this.subscription = subscription;
        for (String r : attemptResults) {
            attempts.put(r, meters.counter(ATTEMPTS, "subscription", subscription, "result", r));
        }
        deferralReasons.forEach(this::deferral);
        filtered = meters.counter(FILTERED, "subscription", subscription);
        filterErrors = meters.counter(FILTER_ERRORS, "subscription", subscription);
        durationDelivered = duration(OUTCOME_DELIVERED);
        durationFailed = duration("failed");
        lag = meters.timer(LAG, LAG_BUCKETS, "subscription", subscription);
        if (!eventTypes.enabled()) {
            verdicts(EventTypeLabels.ALL_EVENT_TYPES);
        }
    }

    private Timer duration(String outcome) {
        return meters.timer(DURATION, DURATION_BUCKETS, "subscription", subscription, "outcome", outcome);
    }

    void filtered() {
        filtered.increment();
    }

    void filterError() {
        filterErrors.increment();
    }

    void attempt(String result, Duration elapsed) {
        Counter c = attempts.get(result);
        (c != null ? c : meters.counter(ATTEMPTS, "subscription", subscription, "result", result)).increment();
        (result.equals("2xx") ? durationDelivered : durationFailed).record(elapsed);
    }

    void deferred(String eventType, String reason) {
        verdict(eventType, OUTCOME_DEFERRED).increment();
        deferral(reason).increment();
    }

    void circuitTransition(String state) {
        meters.counter(CIRCUIT_TRANSITIONS, "subscription", subscription, "state", state)
                .increment();
    }

    void delivered(String eventType, Duration lag) {
        verdict(eventType, OUTCOME_DELIVERED).increment();
        if (!lag.isNegative()) {
            this.lag.record(lag);
        }
    }

    void retryScheduled(String eventType) {
        verdict(eventType, OUTCOME_RETRY_SCHEDULED).increment();
    }

    void deadLettered(String eventType) {
        verdict(eventType, OUTCOME_DEAD_LETTERED).increment();
    }

    private Counter deferral(String reason) {
        return deferrals.computeIfAbsent(
                reason, r -> meters.counter(DEFERRALS, "subscription", subscription, "reason", r));
    }

    /**
     * The counter of one verdict. The first verdict of an event type registers all four outcomes of that type
     * at zero, so its other outcomes are never missed by {@code rate()}. Without the event-type label there is
     * one type ({@code all}), registered with the subscription.
     */
    private Counter verdict(String eventType, String outcome) {
        return verdicts(eventTypes.label(eventType)).get(outcome);
    }

    private Map<String, Counter> verdicts(String type) {
        return verdicts.computeIfAbsent(type, t -> {
            var byOutcome = new HashMap<String, Counter>();
            for (String outcome : OUTCOMES) {
                byOutcome.put(
                        outcome,
                        meters.counter(DELIVERIES, "subscription", subscription, "event_type", t, "outcome", outcome));
            }
            return Map.copyOf(byOutcome);
        });
    }
}
