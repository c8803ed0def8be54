package io.webhookdispatcher.app;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.DispatcherConfig.Metrics.SubscriptionLabels;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DeferralReason;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.event.CrmEvent;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Prometheus registry, the dispatcher's own meters with every label value known up front, and the JVM's. */
final class Telemetry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Telemetry.class);

    /** The label of the subscriptions that share series: never an id (ids have no parentheses). */
    static final String ALL_SUBSCRIPTIONS = "(all)";

    static final String WORKSPACE_SUBSCRIPTIONS = "(workspaces)";
    /** Workspaces kept in {@link DispatcherMetrics#UNHEALTHY_WORKSPACES}. */
    private static final int TOP_WORKSPACES = 10;

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final DispatcherMetrics metrics;
    private final SubscriptionLabels labels;
    private final List<AutoCloseable> binders = new ArrayList<>();

    Telemetry(DispatcherConfig config) {
        labels = config.metrics().subscriptionLabels();
        metrics = new DispatcherMetrics(
                registry,
                config.metrics().eventTypeLabel(),
                Arrays.stream(DeliveryOutcome.AttemptResult.values())
                        .map(r -> r.label)
                        .toList(),
                Arrays.stream(DeferralReason.values()).map(r -> r.wireName).toList());
        metrics.registerAtZero(
                Arrays.stream(CrmEvent.Invalid.values()).map(i -> i.reason).toList());
    }

    /**
     * Registers a lane's meters and gauges when it is first configured, under its own id or the label it shares
     * ({@code metrics.subscriptionLabels}, decided then: a later change of its workspaceId keeps it).
     */
    Consumer<Lane> laneMeters(Clock clock) {
        return lane -> metrics.subscriptionAdded(
                lane.id(),
                label(lane),
                lane,
                new DispatcherMetrics.LaneGauges<>(
                        Lane::inFlight,
                        Lane::queued,
                        Lane::queuedBytes,
                        l -> l.circuitState(clock.millis()).gauge,
                        l -> l.slow() ? 1 : 0,
                        l -> l.endpointDisabled() && !l.removed() ? 1 : 0));
    }

    private String label(Lane lane) {
        return switch (labels) {
            case ALL -> lane.id();
            case NONE -> ALL_SUBSCRIPTIONS;
            case UNSCOPED -> lane.subscription().workspaceId().isPresent() ? WORKSPACE_SUBSCRIPTIONS : lane.id();
        };
    }

    /**
     * Every few seconds: which workspaces fail, as a bounded family. Walks the lanes once (not per event or
     * delivery): the subscriptions whose circuit is not closed, that are slow or auto-disabled, per workspace.
     */
    void refreshWorkspaces(Collection<Lane> lanes, long now) {
        var unwell = new HashMap<String, Integer>();
        for (Lane lane : lanes) {
            var workspace = lane.subscription().workspaceId();
            if (workspace.isPresent()
                    && !lane.removed()
                    && (lane.circuitState(now) != CircuitBreaker.State.CLOSED
                            || lane.slow()
                            || lane.endpointDisabled())) {
                unwell.merge(workspace.get(), 1, Integer::sum);
            }
        }
        var top = new LinkedHashMap<String, Integer>();
        unwell.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP_WORKSPACES)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        metrics.unhealthyWorkspaces(top);
    }

    /** The JVM's meters and the Kafka clients' own. */
    void bind(List<KafkaConsumer<byte[], byte[]>> consumers, KafkaProducer<byte[], byte[]> producer) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        var gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        for (var consumer : consumers) {
            bound(new KafkaClientMetrics(consumer));
        }
        bound(new KafkaClientMetrics(producer));
    }

    private void bound(KafkaClientMetrics clientMetrics) {
        clientMetrics.bindTo(registry);
        binders.add(clientMetrics);
    }

    @Override
    public void close() {
        for (AutoCloseable c : binders) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("ignored while closing", e);
            }
        }
    }
}
