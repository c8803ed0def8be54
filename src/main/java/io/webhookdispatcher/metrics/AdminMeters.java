package io.webhookdispatcher.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admin API's meters. Labels are bounded: {@code operation} one of a fixed set (a path is input and never a label;
 * a subscription id is not one either), {@code status} the HTTP status the API can answer. Declared here, beside
 * {@link DispatcherMetrics}' families, with their HELP texts.
 */
public final class AdminMeters {
    /** {@code webhook_admin_requests_total{operation,status}}: requests to the admin API. */
    public static final String REQUESTS = "webhook.admin.requests";
    /** {@code webhook_admin_request_duration_seconds{operation}}: from a request's start to its answer. */
    public static final String DURATION = "webhook.admin.request.duration";

    static final Map<String, String> HELP = Map.of(
            REQUESTS, "Requests to the admin API, by operation and HTTP status",
            DURATION, "Admin API requests, from the request to the answer (a write waits for the broker)");

    private static final Duration[] BUCKETS = Meters.seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5);

    private final Meters meters;
    private final Map<String, Timer> durations = new HashMap<>();
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();

    /** Every operation's duration at zero; a request counter once an operation answers a status. */
    public AdminMeters(DispatcherMetrics metrics, Collection<String> operations) {
        this.meters = new Meters(metrics.registry());
        operations.forEach(o -> durations.put(o, meters.timer(DURATION, BUCKETS, "operation", o)));
    }

    /** One request answered. */
    public void request(String operation, int status, long nanos) {
        requests.computeIfAbsent(
                        operation + " " + status,
                        k -> meters.counter(REQUESTS, "operation", operation, "status", String.valueOf(status)))
                .increment();
        Timer t = durations.get(operation);
        if (t != null) {
            t.record(Duration.ofNanos(nanos));
        }
    }
}
