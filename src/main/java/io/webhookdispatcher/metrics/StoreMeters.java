package io.webhookdispatcher.metrics;

import static io.webhookdispatcher.metrics.DispatcherMetrics.STORE_SKIPPED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.STORE_SUBSCRIPTIONS;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The meters of {@code topics.subscriptions}: how many of its subscriptions are applied, and its records not applied
 * by reason (a fixed set, all at zero from the start).
 */
public final class StoreMeters {
    private final Map<String, Counter> skipped = new HashMap<>();

    /** Registers the gauge of {@code applied} and the skip counters of each reason at zero, in {@code metrics}'. */
    public StoreMeters(DispatcherMetrics metrics, Supplier<Number> applied, Collection<String> skipReasons) {
        var meters = new Meters(metrics.registry());
        skipReasons.forEach(r -> skipped.put(r, meters.counter(STORE_SKIPPED, "reason", r)));
        Gauge.builder(STORE_SUBSCRIPTIONS, applied)
                .description(Meters.help(STORE_SUBSCRIPTIONS))
                .register(meters.registry());
    }

    /** A record not applied, counted once when read. */
    public void skipped(String reason) {
        Counter c = skipped.get(reason);
        if (c == null) {
            throw new IllegalArgumentException("undeclared store skip reason " + reason);
        }
        c.increment();
    }
}
