package io.webhookdispatcher.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Every meter the dispatcher defines, named in one place: each family's Prometheus name and meaning below, its HELP
 * text in {@link #HELP}, and nothing registers a family that is not here ({@link Meters}). Label values are
 * bounded (subscription ids, event types, fixed enums), never URLs, ids or error text.
 *
 * <p>The meters themselves are kept by concern: {@link SubscriptionMeters} (one configured subscription's, on the
 * delivery hot path), {@link LoopMeters} (the consumer loops and writers), {@link AttemptLogMeters} (the delivery
 * log) and {@link EventTypeLabels} (the bounded {@code event_type} values). This class is the one API to them.
 */
public final class DispatcherMetrics {
    /** {@code webhook_deliveries_total{subscription,event_type,outcome}}: terminal-or-scheduled verdicts per delivery. */
    public static final String DELIVERIES = "webhook.deliveries";
    /** {@code webhook_delivery_attempts_total{subscription,result}}: HTTP attempts by result class. */
    public static final String ATTEMPTS = "webhook.delivery.attempts";
    /** {@code webhook_delivery_duration_seconds{subscription,outcome}}: HTTP round trip, outcome delivered|failed. */
    public static final String DURATION = "webhook.delivery.duration";
    /** {@code webhook_delivery_lag_seconds{subscription}}: event time to successful delivery. */
    public static final String LAG = "webhook.delivery.lag";
    /** {@code webhook_inflight_deliveries{subscription}}: HTTP requests under way. */
    public static final String INFLIGHT = "webhook.inflight.deliveries";
    /** {@code webhook_events_consumed_total{topic}}: records read, from the events and retry topics. */
    public static final String CONSUMED = "webhook.events.consumed";
    /** {@code webhook_events_invalid_total{reason}}: records dead-lettered as unusable input. */
    public static final String INVALID = "webhook.events.invalid";
    /** {@code webhook_events_unmatched_total}: events no enabled subscription wants. */
    public static final String UNMATCHED = "webhook.events.unmatched";
    /** {@code webhook_events_filtered_total{subscription}}: events its {@code events} matched and its filter did not. */
    public static final String FILTERED = "webhook.events.filtered";
    /** {@code webhook_filter_errors_total{subscription}}: events its filter failed on (missing field, wrong type). */
    public static final String FILTER_ERRORS = "webhook.filter.errors";
    /** {@code webhook_events_tombstones_total}: null-valued records, skipped. */
    public static final String TOMBSTONES = "webhook.events.tombstones";
    /** {@code webhook_subscriptions}: enabled subscriptions. */
    public static final String SUBSCRIPTIONS = "webhook.subscriptions";
    /** {@code webhook_config_reloads_total{result}}: hot reloads, result applied|rejected. */
    public static final String RELOADS = "webhook.config.reloads";
    /** {@code webhook_producer_write_failures_total{topic}}: retry/dead-letter writes that failed and are redone. */
    public static final String WRITE_FAILURES = "webhook.producer.write.failures";
    /** {@code webhook_deferrals_total{subscription,reason}}: deliveries put back on the retry path without an attempt. */
    public static final String DEFERRALS = "webhook.deferrals";
    /** {@code webhook_circuit_state{subscription}}: 0 closed, 1 half-open (probing), 2 open. */
    public static final String CIRCUIT_STATE = "webhook.circuit.state";
    /** {@code webhook_circuit_transitions_total{subscription,state}}: changes of circuit state, by the state entered. */
    public static final String CIRCUIT_TRANSITIONS = "webhook.circuit.transitions";
    /** {@code webhook_queued_deliveries{subscription}}: deliveries waiting in the subscription's queue for a permit. */
    public static final String QUEUED = "webhook.queued.deliveries";
    /** {@code webhook_queued_bytes{subscription}}: bytes of bodies waiting in that queue. */
    public static final String QUEUED_BYTES = "webhook.queued.bytes";
    /** {@code webhook_subscription_slow{subscription}}: 1 while the subscription is too slow to be waited for. */
    public static final String SLOW = "webhook.subscription.slow";
    /** {@code webhook_subscription_disabled{subscription}}: 1 while auto-disabled (topics.operations). */
    public static final String SUBSCRIPTION_DISABLED = "webhook.subscription.disabled";
    /** {@code webhook_buffered_bytes{loop}}: bytes of consumed records whose work is unfinished (the memory bound). */
    public static final String BUFFERED = "webhook.buffered.bytes";
    /** {@code webhook_buffered_bytes_limit{loop}}: the share of {@code delivery.maxBufferedBytes} that loop may use. */
    public static final String BUFFERED_LIMIT = "webhook.buffered.bytes.limit";
    /** {@code webhook_consumer_paused{loop}}: 1 while a consumer loop is paused by its memory share or full queues. */
    public static final String CONSUMER_PAUSED = "webhook.consumer.paused";
    /** {@code webhook_attempt_log_failures_total{reason}}: delivery-log records lost (queue_full, send_failed, encode). */
    public static final String ATTEMPT_LOG_FAILURES = "webhook.attempt.log.failures";
    /** {@code webhook_attempt_log_written_total}: delivery-log records acknowledged by the attempts topic. */
    public static final String ATTEMPT_LOG_WRITTEN = "webhook.attempt.log.written";
    /**
     * {@code webhook_workspace_unhealthy_subscriptions{workspace}}: the (at most 10) workspaces with the most
     * subscriptions whose circuit is not closed, that are slow or auto-disabled; refreshed every few seconds.
     */
    public static final String UNHEALTHY_WORKSPACES = "webhook.workspace.unhealthy.subscriptions";
    /** {@code webhook_store_subscriptions}: subscriptions of topics.subscriptions applied (run-time managed). */
    public static final String STORE_SUBSCRIPTIONS = "webhook.store.subscriptions";
    /** {@code webhook_store_skipped_total{reason}}: its records not applied: yaml_conflict, invalid, missing_key. */
    public static final String STORE_SKIPPED = "webhook.store.skipped";
    /** {@code webhook_ingest_requests_total{source,outcome}}: requests to the ingest port, by outcome (IngestMeters). */
    public static final String INGEST_REQUESTS = "webhook.ingest.requests";
    /** {@code webhook_ingest_duration_seconds{source}}: an accepted request, from its start to the broker's ack. */
    public static final String INGEST_DURATION = "webhook.ingest.duration";

    public static final String OUTCOME_DELIVERED = "delivered";
    public static final String OUTCOME_RETRY_SCHEDULED = "retry_scheduled";
    public static final String OUTCOME_DEAD_LETTERED = "dead_lettered";
    public static final String OUTCOME_DEFERRED = "deferred";

    /** The HELP text of each family, as Prometheus shows it; every meter registered here takes its text from this. */
    static final Map<String, String> HELP = Map.ofEntries(
            Map.entry(
                    DELIVERIES,
                    "Verdicts per delivery: delivered, retry_scheduled, dead_lettered or deferred"
                            + " (counted once durable)"),
            Map.entry(ATTEMPTS, "HTTP delivery attempts, by result class"),
            Map.entry(DURATION, "HTTP round trip of a delivery attempt, by outcome delivered or failed"),
            Map.entry(LAG, "From the event's timestamp to its successful delivery"),
            Map.entry(INFLIGHT, "HTTP requests under way"),
            Map.entry(CONSUMED, "Records read, from the events topic and the retry topics"),
            Map.entry(INVALID, "Unusable input records, dead-lettered, by reason"),
            Map.entry(UNMATCHED, "Events no enabled subscription wants"),
            Map.entry(FILTERED, "Events the subscription's events matched and its filter did not, so not delivered"),
            Map.entry(
                    FILTER_ERRORS,
                    "Events the subscription's filter failed on (a missing field, a wrong type): not delivered"),
            Map.entry(TOMBSTONES, "Null-valued records, skipped"),
            Map.entry(SUBSCRIPTIONS, "Enabled subscriptions"),
            Map.entry(RELOADS, "Hot reloads of the subscriptions, by result applied or rejected"),
            Map.entry(WRITE_FAILURES, "Retry or dead-letter writes that failed and are being redone, by topic"),
            Map.entry(DEFERRALS, "Deliveries put back on the retry path without an attempt, by reason"),
            Map.entry(CIRCUIT_STATE, "Circuit breaker state: 0 closed, 1 half-open (probing), 2 open"),
            Map.entry(CIRCUIT_TRANSITIONS, "Circuit breaker changes, by the state entered"),
            Map.entry(QUEUED, "Deliveries waiting in the subscription's queue for a permit"),
            Map.entry(QUEUED_BYTES, "Bytes of bodies waiting in the subscription's queue"),
            Map.entry(SLOW, "1 while the subscription is too slow to be waited for"),
            Map.entry(
                    SUBSCRIPTION_DISABLED,
                    "1 while the dispatcher has disabled the subscription: its endpoint failed for autoDisableAfter"),
            Map.entry(BUFFERED, "Bytes of consumed records whose work is unfinished"),
            Map.entry(BUFFERED_LIMIT, "The share of delivery.maxBufferedBytes this consumer loop may use"),
            Map.entry(CONSUMER_PAUSED, "1 while the consumer loop is paused by its memory share or by full queues"),
            Map.entry(ATTEMPT_LOG_FAILURES, "Delivery-log records lost, never a delivery: by reason"),
            Map.entry(ATTEMPT_LOG_WRITTEN, "Delivery-log records acknowledged by the attempts topic"),
            Map.entry(
                    UNHEALTHY_WORKSPACES,
                    "Subscriptions with a circuit not closed, slow or auto-disabled, for the 10 workspaces with most"),
            Map.entry(STORE_SUBSCRIPTIONS, "Subscriptions of topics.subscriptions applied"),
            Map.entry(STORE_SKIPPED, "Records of topics.subscriptions not applied, by reason"),
            Map.entry(INGEST_REQUESTS, "Requests to the ingest port, by source and outcome"),
            Map.entry(INGEST_DURATION, "Accepted ingest requests, from the request to the broker's acknowledgement"));

    /** The {@code event_type} of every type no configured filter names exactly. */
    public static final String OTHER_EVENT_TYPE = EventTypeLabels.OTHER_EVENT_TYPE;
    /** Longer named types are {@code other} too: a label value is kept in memory and sent on every scrape. */
    public static final int MAX_EVENT_TYPE_CHARS = EventTypeLabels.MAX_EVENT_TYPE_CHARS;

    private final Meters meters;
    private final EventTypeLabels eventTypes;
    private final List<String> attemptResults;
    private final List<String> deferralReasons;
    /** Made once per configured subscription and kept: they are counted a few times per delivery. */
    private final Map<String, SubscriptionMeters> bySubscription = new ConcurrentHashMap<>();
    /** Lane gauges by shared label. */
    private final Map<String, GroupGauges<?>> groups = new ConcurrentHashMap<>();

    private final MultiGauge unhealthyWorkspaces;

    private final LoopMeters loops;
    private final AttemptLogMeters attemptLog;

    /** Without deferral reasons: their series appear with the first deferral of each. */
    public DispatcherMetrics(MeterRegistry registry, boolean eventTypeLabel, List<String> attemptResults) {
        this(registry, eventTypeLabel, attemptResults, List.of());
    }

    /**
     * @param attemptResults  the bounded label set of {@code result}, registered at zero per subscription
     * @param deferralReasons the bounded label set of {@code reason} of deferrals, registered at zero per subscription
     */
    public DispatcherMetrics(
            MeterRegistry registry, boolean eventTypeLabel, List<String> attemptResults, List<String> deferralReasons) {
        this.meters = new Meters(Objects.requireNonNull(registry, "registry"));
        unhealthyWorkspaces = MultiGauge.builder(UNHEALTHY_WORKSPACES)
                .description(Meters.help(UNHEALTHY_WORKSPACES))
                .register(meters.registry());
        this.eventTypes = new EventTypeLabels(eventTypeLabel);
        this.attemptResults = List.copyOf(attemptResults);
        this.deferralReasons = List.copyOf(deferralReasons);
        this.loops = new LoopMeters(meters);
        this.attemptLog = new AttemptLogMeters(meters);
    }

    /**
     * Registers the label-bounded counters at zero, so dashboards and alerts see every series from the
     * start instead of "no data" until the first occurrence, and {@code rate()} sees the first increment.
     */
    public void registerAtZero(Iterable<String> invalidReasons) {
        loops.inputAtZero(invalidReasons);
        meters.counter(RELOADS, "result", "applied");
        meters.counter(RELOADS, "result", "rejected");
    }

    /**
     * Registers the per-topic counters at zero: records consumed from the events topic and each retry topic of
     * the schedule, and write failures of each retry topic and the dead-letter topic. (A retry topic of an
     * older schedule, still consumed, gets its series with its first record.)
     */
    public void topicsAtZero(String eventsTopic, Collection<String> retryTopics, String deadLetterTopic) {
        loops.topicsAtZero(eventsTopic, retryTopics, deadLetterTopic);
    }

    /**
     * The event types a configured filter names exactly ({@code person.created}); every other type, whatever
     * wildcard filter matched it, is counted as {@code other}, so input cannot add series. After a reload a type
     * no longer named is counted as {@code other} from then on; its series stay until restart.
     */
    public void namedEventTypes(Collection<String> types) {
        eventTypes.named(types);
    }

    /** The {@code event_type} label of a type: itself if named, else {@code other}; {@code all} without the label. */
    public String eventTypeLabel(String eventType) {
        return eventTypes.label(eventType);
    }

    public MeterRegistry registry() {
        return meters.registry();
    }

    /** What a subscription's gauges read from its lane. */
    public record LaneGauges<T>(
            ToDoubleFunction<T> inFlight,
            ToDoubleFunction<T> queued,
            ToDoubleFunction<T> queuedBytes,
            ToDoubleFunction<T> circuitState,
            ToDoubleFunction<T> slow,
            ToDoubleFunction<T> disabled) {}

    /**
     * Registers a new subscription's meters, so its series exist before its first delivery. Only subscriptions
     * registered here are counted by the per-subscription methods; calls for any other id are ignored.
     */
    public <T> void subscriptionAdded(String subscription, T lane, LaneGauges<T> gauges) {
        subscriptionAdded(subscription, subscription, lane, gauges);
    }

    /**
     * As {@link #subscriptionAdded(String, Object, LaneGauges)}, counted under {@code label}: the subscription's own
     * id, or a label it shares with others ({@code metrics.subscriptionLabels}), whose series then sum theirs (the
     * circuit, slow and disabled gauges count subscriptions). Series stay bounded by the number of labels.
     */
    @SuppressWarnings("unchecked")
    public <T> void subscriptionAdded(String subscription, String label, T lane, LaneGauges<T> gauges) {
        if (!label.equals(subscription)) {
            ((GroupGauges<T>) groups.computeIfAbsent(label, l -> new GroupGauges<>(meters, l, gauges))).add(lane);
            SubscriptionMeters shared = bySubscription.computeIfAbsent(
                    "\0" + label, // the group's own meters, under a key no subscription id can be
                    l -> new SubscriptionMeters(meters, eventTypes, label, attemptResults, deferralReasons));
            bySubscription.putIfAbsent(subscription, shared);
            return;
        }
        meters.gauge(INFLIGHT, subscription, lane, gauges.inFlight());
        meters.gauge(QUEUED, subscription, lane, gauges.queued());
        meters.gauge(QUEUED_BYTES, subscription, lane, gauges.queuedBytes());
        meters.gauge(CIRCUIT_STATE, subscription, lane, gauges.circuitState());
        meters.gauge(SLOW, subscription, lane, gauges.slow());
        meters.gauge(SUBSCRIPTION_DISABLED, subscription, lane, gauges.disabled());
        for (String state : List.of("open", "half_open", "closed")) {
            meters.counter(CIRCUIT_TRANSITIONS, "subscription", subscription, "state", state);
        }
        bySubscription.computeIfAbsent(
                subscription, id -> new SubscriptionMeters(meters, eventTypes, id, attemptResults, deferralReasons));
    }

    /**
     * The workspaces whose subscriptions are unwell, most first (at most 10 are kept): replaces the previous rows, so
     * a workspace that recovered leaves the family.
     */
    public void unhealthyWorkspaces(Map<String, Integer> top) {
        unhealthyWorkspaces.register(
                top.entrySet().stream()
                        .map(e -> MultiGauge.Row.of(Tags.of("workspace", e.getKey()), e.getValue()))
                        .toList(),
                true);
    }

    /** A consumer loop's share of the memory bound, and whether it is paused. */
    public void loopGauges(String loop, Supplier<Number> bufferedBytes, long limitBytes, Supplier<Number> paused) {
        loops.loopGauges(loop, bufferedBytes, limitBytes, paused);
    }

    public void subscriptionsGauge(Supplier<Number> enabled) {
        Gauge.builder(SUBSCRIPTIONS, enabled)
                .description(Meters.help(SUBSCRIPTIONS))
                .register(meters.registry());
    }

    public void consumed(String topic) {
        loops.consumed(topic);
    }

    public void invalid(String reason) {
        loops.invalid(reason);
    }

    public void unmatched() {
        loops.unmatched();
    }

    /** An event the subscription's filter did not match. */
    public void filteredOut(String subscription) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.filtered();
        }
    }

    /** An event the subscription's filter failed on; it is not delivered. */
    public void filterError(String subscription) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.filterError();
        }
    }

    public void tombstone() {
        loops.tombstone();
    }

    /** @param result the attempt's result label ({@code 2xx}, {@code timeout}, ...) */
    public void attempt(String subscription, String result, Duration elapsed) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.attempt(result, elapsed);
        }
    }

    public void deferred(String subscription, String eventType, String reason) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.deferred(eventType, reason);
        }
    }

    /** @param state the state entered: open, half_open or closed */
    public void circuitTransition(String subscription, String state) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.circuitTransition(state);
        }
    }

    public void delivered(String subscription, String eventType, Duration lag) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.delivered(eventType, lag);
        }
    }

    public void retryScheduled(String subscription, String eventType) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.retryScheduled(eventType);
        }
    }

    public void deadLettered(String subscription, String eventType) {
        SubscriptionMeters m = meters(subscription);
        if (m != null) {
            m.deadLettered(eventType);
        }
    }

    /** The delivery log's counters, at zero: only when {@code topics.attempts} is set. */
    public void attemptLogAtZero(Collection<String> failureReasons) {
        attemptLog.atZero(failureReasons);
    }

    public void attemptLogFailed(String reason) {
        attemptLog.failed(reason);
    }

    public void attemptLogWritten() {
        attemptLog.written();
    }

    /**
     * The ingest port's meters, every source's outcomes at zero.
     *
     * @param sources  the configured sources; requests naming any other are counted under {@code (unknown)}
     * @param outcomes the bounded set of outcome labels
     */
    public IngestMeters ingest(Collection<String> sources, Collection<String> outcomes) {
        return new IngestMeters(meters, sources, outcomes);
    }

    public void writeFailed(String topic) {
        loops.writeFailed(topic);
    }

    public void configReload(boolean applied) {
        meters.counter(RELOADS, "result", applied ? "applied" : "rejected").increment();
    }

    /**
     * A configured subscription's meters, or null: only {@link #subscriptionAdded} makes them, so an id from
     * input (a retry record's header) never adds series. Lanes exist only for configured subscriptions.
     */
    private SubscriptionMeters meters(String subscription) {
        return bySubscription.get(subscription);
    }
}
