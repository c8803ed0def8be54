package io.webhookdispatcher.metrics;

import static io.webhookdispatcher.metrics.DispatcherMetrics.BUFFERED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.BUFFERED_LIMIT;
import static io.webhookdispatcher.metrics.DispatcherMetrics.CONSUMED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.CONSUMER_PAUSED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.INVALID;
import static io.webhookdispatcher.metrics.DispatcherMetrics.TOMBSTONES;
import static io.webhookdispatcher.metrics.DispatcherMetrics.UNMATCHED;
import static io.webhookdispatcher.metrics.DispatcherMetrics.WRITE_FAILURES;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the consumer loops and the retry/dead-letter writers count, before any subscription is involved: records
 * consumed by topic and the ones that were no use, write failures by topic, and each loop's share of the memory
 * bound. Label values are topics, loop names and fixed reasons, all from the config.
 */
final class LoopMeters {
    private final Meters meters;
    /** Looked up once per topic: counted for every record consumed. */
    private final Map<String, Counter> consumedByTopic = new ConcurrentHashMap<>();

    LoopMeters(Meters meters) {
        this.meters = meters;
    }

    void inputAtZero(Iterable<String> invalidReasons) {
        meters.counter(UNMATCHED);
        meters.counter(TOMBSTONES);
        invalidReasons.forEach(reason -> meters.counter(INVALID, "reason", reason));
    }

    void topicsAtZero(String eventsTopic, Collection<String> retryTopics, String deadLetterTopic) {
        consumedCounter(eventsTopic);
        retryTopics.forEach(this::consumedCounter);
        retryTopics.forEach(t -> meters.counter(WRITE_FAILURES, "topic", t));
        meters.counter(WRITE_FAILURES, "topic", deadLetterTopic);
    }

    void loopGauges(String loop, Supplier<Number> bufferedBytes, long limitBytes, Supplier<Number> paused) {
        Gauge.builder(BUFFERED, bufferedBytes)
                .tag("loop", loop)
                .description(Meters.help(BUFFERED))
                .baseUnit("bytes")
                .register(meters.registry());
        // no base unit: it would append "_bytes" and export webhook_buffered_bytes_limit_bytes
        Gauge.builder(BUFFERED_LIMIT, () -> limitBytes)
                .tag("loop", loop)
                .description(Meters.help(BUFFERED_LIMIT))
                .register(meters.registry());
        Gauge.builder(CONSUMER_PAUSED, paused)
                .tag("loop", loop)
                .description(Meters.help(CONSUMER_PAUSED))
                .register(meters.registry());
    }

    void consumed(String topic) {
        consumedCounter(topic).increment();
    }

    private Counter consumedCounter(String topic) {
        return consumedByTopic.computeIfAbsent(topic, t -> meters.counter(CONSUMED, "topic", t));
    }

    void invalid(String reason) {
        meters.counter(INVALID, "reason", reason).increment();
    }

    void unmatched() {
        meters.counter(UNMATCHED).increment();
    }

    void tombstone() {
        meters.counter(TOMBSTONES).increment();
    }

    void writeFailed(String topic) {
        meters.counter(WRITE_FAILURES, "topic", topic).increment();
    }
}
