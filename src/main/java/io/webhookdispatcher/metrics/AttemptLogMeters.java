package io.webhookdispatcher.metrics;

import static io.webhookdispatcher.metrics.DispatcherMetrics.ATTEMPT_LOG_FAILURES;
import static io.webhookdispatcher.metrics.DispatcherMetrics.ATTEMPT_LOG_WRITTEN;

import io.micrometer.core.instrument.Counter;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The delivery log's counters ({@code topics.attempts}): one record per attempt, so the counters are kept, not
 * looked up. Registered at zero only when the log is configured; without it they appear with their first use.
 */
final class AttemptLogMeters {
    private final Meters meters;
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private volatile Counter written;

    AttemptLogMeters(Meters meters) {
        this.meters = meters;
    }

    void atZero(Collection<String> failureReasons) {
        written = meters.counter(ATTEMPT_LOG_WRITTEN);
        failureReasons.forEach(r -> failures.put(r, meters.counter(ATTEMPT_LOG_FAILURES, "reason", r)));
    }

    void failed(String reason) {
        failures.computeIfAbsent(reason, r -> meters.counter(ATTEMPT_LOG_FAILURES, "reason", r))
                .increment();
    }

    void written() {
        Counter c = written;
        (c != null ? c : meters.counter(ATTEMPT_LOG_WRITTEN)).increment();
    }
}
