package io.webhookdispatcher.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused ingest requests: the first of a source and outcome, then at most one every 10 s with the number not
 * logged in between, so a flood of forged requests cannot flood the log (the metrics count every one). Keys are a
 * configured source and a fixed outcome: bounded. Thread-safe.
 */
final class RefusalLog {
    private static final Logger log = LoggerFactory.getLogger(IngestHandler.class);
    static final Duration INTERVAL = Duration.ofSeconds(10);

    private record Window(AtomicLong nextNanos, AtomicInteger skipped) {}

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    RefusalLog(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * @param what what was refused and why; never anything of the body
     * @return whether this one was logged
     */
    boolean refused(String source, Outcome outcome, String what) {
        Window w = windows.computeIfAbsent(
                source + "/" + outcome.label, k -> new Window(new AtomicLong(Long.MIN_VALUE), new AtomicInteger()));
        long now = nanoTime.getAsLong();
        long next = w.nextNanos().get();
        if ((next != Long.MIN_VALUE && now - next < 0)
                || !w.nextNanos().compareAndSet(next, now + INTERVAL.toNanos())) {
            w.skipped().incrementAndGet();
            return false;
        }
        int skipped = w.skipped().getAndSet(0);
        log.warn(
                "ingest {}: refused {} ({}){}",
                source,
                what,
                outcome.label,
                skipped == 0 ? "" : "; " + skipped + " more refused so since the last such line");
        return true;
    }
}
