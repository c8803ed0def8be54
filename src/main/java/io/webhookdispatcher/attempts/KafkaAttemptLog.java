package io.webhookdispatcher.attempts;

import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the delivery log to {@code topics.attempts}, off the delivery path:
 *
 * <pre>
 *   record() ── encode ── offer ──► bounded queue ──► writer thread ── send ──► producer (acks=1) ──► topic
 *                  │          └ full: dropped, counted (queue_full)          └ fails: counted (send_failed)
 *                  └ fails: counted (encode)
 * </pre>
 *
 * {@link #record} never blocks and never throws: a full queue drops the record. Only the writer thread calls
 * the producer, so a producer that blocks (a missing topic: {@code max.block.ms}; a full buffer) holds up nothing
 * but the log. Nothing here is awaited by a delivery or a commit.
 */
public final class KafkaAttemptLog implements AttemptLog, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaAttemptLog.class);
    public static final String QUEUE_FULL = "queue_full";
    public static final String SEND_FAILED = "send_failed";
    public static final String ENCODE = "encode";

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final DispatcherMetrics metrics;
    private final BlockingQueue<ProducerRecord<byte[], byte[]>> queue;
    private final Thread writer;
    private volatile boolean stopping;
    private volatile boolean warned;

    /** @param capacity records held in memory while the producer is slow or the topic unavailable */
    public KafkaAttemptLog(Producer<byte[], byte[]> producer, String topic, int capacity, DispatcherMetrics metrics) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.queue = new ArrayBlockingQueue<>(capacity);
        metrics.attemptLogAtZero(java.util.List.of(QUEUE_FULL, SEND_FAILED, ENCODE));
        this.writer = new Thread(this::write, "attempt-log-writer");
        writer.setDaemon(true);
    }

    public void start() {
        writer.start();
    }

    @Override
    public void record(
            Delivery delivery, DeliveryOutcome outcome, Instant startedAt, AttemptLog.Verdict verdict, String reason) {
        ProducerRecord<byte[], byte[]> record;
        try {
            var line = AttemptRecord.of(delivery, outcome, startedAt, verdict, reason);
            record = new ProducerRecord<>(topic, line.deliveryId().getBytes(StandardCharsets.UTF_8), line.toJson());
        } catch (RuntimeException e) {
            failed(ENCODE, e);
            return;
        }
        if (!queue.offer(record)) {
            failed(QUEUE_FULL, null);
        }
    }

    private void write() {
        while (!stopping || !queue.isEmpty()) {
            ProducerRecord<byte[], byte[]> record;
            try {
                record = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return; // close() gave up waiting
            }
            if (record == null) {
                continue;
            }
            try {
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failed(SEND_FAILED, error);
                    } else {
                        metrics.attemptLogWritten();
                    }
                });
            } catch (RuntimeException e) { // a metadata timeout (missing topic), a closed producer
                failed(SEND_FAILED, e);
            }
        }
    }

    private void failed(String reason, Throwable error) {
        metrics.attemptLogFailed(reason);
        if (!warned) { // once: a missing topic fails every record
            warned = true;
            log.warn(
                    "cannot write to the attempts topic {} ({}{}): records are dropped and counted in"
                            + " webhook_attempt_log_failures_total; deliveries go on",
                    topic,
                    reason,
                    error == null ? "" : ": " + error);
        }
    }

    /** Writes what is queued within {@code timeout}, then closes the producer; the rest is dropped. */
    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    public void close(Duration timeout) {
        stopping = true;
        try {
            writer.join(Math.max(1, timeout.toMillis() / 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.interrupt();
        producer.close(timeout.dividedBy(2));
    }
}
