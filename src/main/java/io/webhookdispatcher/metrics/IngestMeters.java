package io.webhookdispatcher.metrics;

import static io.webhookdispatcher.metrics.DispatcherMetrics.INGEST_DURATION;
import static io.webhookdispatcher.metrics.DispatcherMetrics.INGEST_REQUESTS;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The ingest port's meters. Labels are bounded: {@code source} is a configured source's id or {@code (unknown)}
 * (a path is input, and must not add series), {@code outcome} one of a fixed set. All made at zero, then only read.
 */
public final class IngestMeters {
    /** The {@code source} of requests to a source that is not configured. */
    public static final String UNKNOWN_SOURCE = "(unknown)";

    private static final Duration[] BUCKETS = Meters.seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5);

    /** source, then outcome. */
    private final Map<String, Map<String, Counter>> requests = new HashMap<>();

    private final Map<String, Timer> durations = new HashMap<>();

    IngestMeters(Meters meters, Collection<String> sources, Collection<String> outcomes) {
        for (String source : sources) {
            add(meters, source, outcomes);
            durations.put(source, meters.timer(INGEST_DURATION, BUCKETS, "source", source));
        }
        add(meters, UNKNOWN_SOURCE, outcomes);
    }

    private void add(Meters meters, String source, Collection<String> outcomes) {
        var bySource = new HashMap<String, Counter>();
        outcomes.forEach(o -> bySource.put(o, meters.counter(INGEST_REQUESTS, "source", source, "outcome", o)));
        requests.put(source, Map.copyOf(bySource));
    }

    /** A request's outcome; {@code source} must be configured or {@link #UNKNOWN_SOURCE}. */
    public void request(String source, String outcome) {
        Map<String, Counter> bySource = requests.getOrDefault(source, requests.get(UNKNOWN_SOURCE));
        Counter c = bySource.get(outcome);
        if (c == null) {
            throw new IllegalArgumentException("undeclared ingest outcome " + outcome);
        }
        c.increment();
    }

    /** An accepted request: written and acknowledged after {@code elapsed}. */
    public void accepted(String source, String outcome, Duration elapsed) {
        request(source, outcome);
        Timer t = durations.get(source);
        if (t != null) {
            t.record(elapsed);
        }
    }
}
