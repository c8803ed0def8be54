package io.webhookdispatcher.metrics;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.ToDoubleFunction;

/**
 * The lane gauges of many subscriptions that share one {@code subscription} label value (workspace-scoped ones under
 * {@code metrics.subscriptionLabels: unscoped}, or all of them under {@code none}): in flight, queued and queued bytes
 * are summed; circuit state, slow and disabled count the subscriptions whose circuit is not closed, that are slow,
 * that are disabled. Summed on each scrape: what a scrape costs grows with the subscriptions, a delivery's does not.
 */
final class GroupGauges<T> {
    private final Queue<T> lanes = new ConcurrentLinkedQueue<>();

    GroupGauges(Meters meters, String label, DispatcherMetrics.LaneGauges<T> gauges) {
        meters.gauge(DispatcherMetrics.INFLIGHT, label, this, g -> g.sum(gauges.inFlight()));
        meters.gauge(DispatcherMetrics.QUEUED, label, this, g -> g.sum(gauges.queued()));
        meters.gauge(DispatcherMetrics.QUEUED_BYTES, label, this, g -> g.sum(gauges.queuedBytes()));
        meters.gauge(DispatcherMetrics.CIRCUIT_STATE, label, this, g -> g.count(gauges.circuitState()));
        meters.gauge(DispatcherMetrics.SLOW, label, this, g -> g.count(gauges.slow()));
        meters.gauge(DispatcherMetrics.SUBSCRIPTION_DISABLED, label, this, g -> g.count(gauges.disabled()));
        for (String state : List.of("open", "half_open", "closed")) {
            meters.counter(DispatcherMetrics.CIRCUIT_TRANSITIONS, "subscription", label, "state", state);
        }
    }

    void add(T lane) {
        lanes.add(lane);
    }

    private double sum(ToDoubleFunction<T> value) {
        double total = 0;
        for (T lane : lanes) {
            total += value.applyAsDouble(lane);
        }
        return total;
    }

    private double count(ToDoubleFunction<T> value) {
        double count = 0;
        for (T lane : lanes) {
            count += value.applyAsDouble(lane) > 0 ? 1 : 0;
        }
        return count;
    }
}
