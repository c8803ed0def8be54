package io.webhookdispatcher.retry;

import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes retry and dead-letter records through an idempotent {@code acks=all} producer and completes
 * only once the broker acknowledged the write. A failed write is not an outcome: it is retried with
 * backoff until it succeeds or the dispatcher stops, and until then the source offset stays
 * uncommitted, so a crash redoes the work instead of losing it.
 *
 * <p>Sends run on one writer thread because {@code send} can block on metadata (a missing topic),
 * and that must never stall an HTTP or poll thread.
 */
public final class DurableWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DurableWriter.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Producer<byte[], byte[]> producer;
    private final ScheduledExecutorService writer;
    private final DispatcherMetrics metrics;
    private volatile boolean closed;

    public DurableWriter(Producer<byte[], byte[]> producer, ScheduledExecutorService writer, DispatcherMetrics metrics) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Completes once acknowledged; never completes if the dispatcher stops first. */
    public CompletableFuture<Void> write(ProducerRecord<byte[], byte[]> record) {
        var acked = new CompletableFuture<Void>();
        writer.execute(() -> attempt(record, acked, FIRST_BACKOFF));
        return acked;
    }

    private void attempt(ProducerRecord<byte[], byte[]> record, CompletableFuture<Void> acked, Duration backoff) {
        if (closed) {
            return;
        }
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    acked.complete(null);
                } else {
                    failed(record, acked, backoff, error);
                }
            });
        } catch (RuntimeException e) {
            failed(record, acked, backoff, e);
        }
    }

    private void failed(ProducerRecord<byte[], byte[]> record, CompletableFuture<Void> acked, Duration backoff,
                        Throwable error) {
        if (error instanceof RecordTooLargeException && record.value() != null) {
            // Would fail forever and hold the offset back forever. Keep the headers (they point to the
            // original record, which is still on its topic) and drop the value.
            log.error("record for {} is too large to write ({} value bytes); writing it without its value",
                    record.topic(), record.value().length);
            var headers = new RecordHeaders(record.headers().toArray());
            WebhookHeaders.put(headers, WebhookHeaders.VALUE_OMITTED, record.value().length);
            writer.execute(() -> attempt(new ProducerRecord<>(record.topic(), null, record.key(), null, headers),
                    acked, backoff));
            return;
        }
        retryLater(record, acked, backoff, error);
    }

    private void retryLater(ProducerRecord<byte[], byte[]> record, CompletableFuture<Void> acked, Duration backoff,
                            Throwable error) {
        metrics.writeFailed(record.topic());
        if (closed) {
            return;
        }
        log.warn("write to {} failed ({}); retrying in {}, the source offset stays uncommitted",
                record.topic(), error.toString(), backoff);
        Duration next = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        try {
            writer.schedule(() -> attempt(record, acked, next), backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the dispatcher is stopping: the record stays uncommitted and is redone by the next owner
        }
    }

    /** Stops retrying; writes still pending stay unacknowledged (and their offsets uncommitted). */
    @Override
    public void close() {
        closed = true;
        writer.shutdownNow();
    }
}
