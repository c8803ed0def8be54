package io.webhookdispatcher.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * Registers meters of the families {@link DispatcherMetrics} names, each with its family's HELP text, so no meter
 * can be registered under a name that is not declared there. Registering an existing meter returns it.
 */
final class Meters {
    private final MeterRegistry registry;

    Meters(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    Counter counter(String name, String... tags) {
        return Counter.builder(name).tags(tags).description(help(name)).register(registry);
    }

    /** A gauge on one subscription's lane. */
    <T> void gauge(String name, String subscription, T lane, ToDoubleFunction<T> value) {
        Gauge.builder(name, lane, value)
                .tag("subscription", subscription)
                .description(help(name))
                .register(registry);
    }

    Timer timer(String name, Duration[] buckets, String... tags) {
        return Timer.builder(name)
                .tags(tags)
                .description(help(name))
                .serviceLevelObjectives(buckets)
                .register(registry);
    }

    static String help(String name) {
        String help = DispatcherMetrics.HELP.getOrDefault(name, AdminMeters.HELP.get(name));
        if (help == null) {
            throw new IllegalArgumentException("no HELP text for meter " + name);
        }
        return help;
    }

    static Duration[] seconds(double... values) {
        var result = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return result;
    }
}
