package io.webhookdispatcher.retry;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes retry and dead-letter records through an idempotent {@code acks=all} producer and completes only once
 * the broker acknowledged the write. A failed write is not an outcome: until it succeeds the source record stays
 * unfinished (uncommitted, and holding its bytes of the memory budget, so a stuck topic pauses consumption
 * instead of growing the heap).
 *
 * <pre>
 *   healthy ──a write fails──► failing: new writes wait in the topic's backlog; one probe after a backoff
 *      ▲                        (0.5 s, doubling to 30 s)
 *      └──────the probe is acknowledged: the backlog is sent──┘
 * </pre>
 *
 * Each topic has its own writer thread, because {@code send} can block for {@code max.block.ms} on metadata (a
 * deleted topic) and that must stall neither an HTTP or poll thread nor the writes to other topics. A write whose
 * lease has ended is dropped instead of (re)sent: the partition's next owner redoes the delivery, and writing it
 * too would fork a second retry chain.
 */
public final class DurableWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DurableWriter.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Producer<byte[], byte[]> producer;
    private final Function<String, ScheduledExecutorService> threads;
    private final DispatcherMetrics metrics;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param threads makes the single writer thread of a topic */
    public DurableWriter(
            Producer<byte[], byte[]> producer,
            Function<String, ScheduledExecutorService> threads,
            DispatcherMetrics metrics) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** With a daemon thread per topic. */
    public DurableWriter(Producer<byte[], byte[]> producer, DispatcherMetrics metrics) {
        this(
                producer,
                topic -> Executors.newSingleThreadScheduledExecutor(r -> {
                    var t = new Thread(r, "kafka-writer-" + topic);
                    t.setDaemon(true);
                    return t;
                }),
                metrics);
    }

    /**
     * Completes DURABLE once acknowledged, or DROPPED if {@code lease} ended before it could be written; never
     * completes if the dispatcher stops first.
     */
    public CompletableFuture<RecordCompletion> write(ProducerRecord<byte[], byte[]> record, Lease lease) {
        var pending = new Pending(record, lease);
        if (closed) {
            return pending.done;
        }
        Topic topic = topics.computeIfAbsent(record.topic(), name -> new Topic(name, threads.apply(name)));
        topic.run(() -> topic.submit(pending));
        return pending.done;
    }

    /** Stops; writes still pending stay unacknowledged (and their offsets uncommitted). */
    @Override
    public void close() {
        closed = true;
        topics.values().forEach(t -> t.thread.shutdownNow());
    }

    private record Pending(
            ProducerRecord<byte[], byte[]> record, Lease lease, CompletableFuture<RecordCompletion> done) {
        Pending(ProducerRecord<byte[], byte[]> record, Lease lease) {
            this(record, lease, new CompletableFuture<>());
        }

        /** False (and completed DROPPED) once its lease ended. */
        boolean stillOwned() {
            if (lease.owned()) {
                return true;
            }
            done.complete(RecordCompletion.DROPPED);
            return false;
        }
    }

    /** One topic's writes; all its state is confined to its thread. */
    private final class Topic {
        final String name;
        final ScheduledExecutorService thread;
        final ArrayDeque<Pending> backlog = new ArrayDeque<>();
        boolean failing;
        Duration backoff = FIRST_BACKOFF;

        Topic(String name, ScheduledExecutorService thread) {
            this.name = name;
            this.thread = thread;
        }

        void run(Runnable task) {
            try {
                thread.execute(task);
            } catch (RejectedExecutionException stopping) {
                // closed: the record stays uncommitted and is redone by the next owner
            }
        }

        void submit(Pending p) {
            if (failing) {
                backlog.addLast(p);
            } else {
                send(p, false);
            }
        }

        void send(Pending p, boolean probe) {
            if (closed || !p.stillOwned()) {
                return;
            }
            try {
                producer.send(p.record(), (metadata, error) -> {
                    if (error == null) {
                        p.done.complete(RecordCompletion.DURABLE);
                        if (probe) {
                            run(this::recovered);
                        }
                    } else {
                        run(() -> failed(p, error, probe));
                    }
                });
            } catch (RuntimeException e) { // e.g. metadata not available within max.block.ms
                failed(p, e, probe);
            }
        }

        void failed(Pending p, Throwable error, boolean probe) {
            metrics.writeFailed(name);
            backlog.addFirst(p);
            if (failing && !probe) {
                return; // sent before the topic was known to fail; its probe is already scheduled
            }
            if (!failing) {
                failing = true;
                backoff = FIRST_BACKOFF;
            } else {
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
            if (error instanceof RecordTooLargeException) {
                log.error(
                        "a record for {} is larger than the topic or broker accepts ({} value bytes): raise its"
                                + " max.message.bytes to at least delivery.maxEventBytes + 64 KiB; retrying in {}",
                        name,
                        p.record().value() == null ? 0 : p.record().value().length,
                        backoff);
            } else {
                log.warn(
                        "writes to {} fail ({}); {} waiting, next try in {}; their source offsets stay uncommitted",
                        name,
                        error.toString(),
                        backlog.size(),
                        backoff);
            }
            try {
                thread.schedule(this::probe, backoff.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // closed
            }
        }

        /** Sends the first backlog entry still owned; the outcome decides between recovered and backing off. */
        void probe() {
            Pending head;
            do {
                head = backlog.pollFirst();
            } while (head != null && !head.stillOwned());
            if (head == null) {
                recovered();
            } else if (!closed) {
                send(head, true);
            }
        }

        void recovered() {
            if (failing) {
                log.info("writes to {} succeed again; sending the {} that waited", name, backlog.size());
            }
            failing = false;
            backoff = FIRST_BACKOFF;
            while (!failing && !backlog.isEmpty()) {
                send(backlog.pollFirst(), false);
            }
        }
    }
}
