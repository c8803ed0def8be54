package io.webhookdispatcher.bench;

import io.webhookdispatcher.testkit.SampleEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Puts CRM-shaped events into a topic: a backlog all at once, or a fixed rate with produce times inside. */
final class EventLoader {
    private EventLoader() {}

    /**
     * The payload filters' buckets: event {@code i} of {@link #opportunity} has an amount in bucket
     * {@code i % AMOUNT_BUCKETS}, and {@link #bucketFilter bucketFilter(k)} matches bucket {@code k} alone, so
     * that {@code AMOUNT_BUCKETS} subscriptions with one filter each get every event exactly once between them.
     */
    static final int AMOUNT_BUCKETS = 10;

    private static final long BUCKET_MICROS = 1_000_000_000L;

    /** {@code count} events of about {@code size} bytes, spread evenly over the partitions; returns when all are written. */
    static void backlog(String bootstrap, String topic, int partitions, int count, int size) {
        backlog(
                bootstrap,
                topic,
                partitions,
                count,
                i -> SampleEvents.event(SampleEvents.TYPES.get(i % SampleEvents.TYPES.size()), "e-" + i, size));
    }

    /** {@code count} events, the {@code i}-th {@code event.apply(i)}, to partition {@code i % partitions}. */
    static void backlog(String bootstrap, String topic, int partitions, int count, IntFunction<byte[]> event) {
        var failure = new AtomicReference<Exception>();
        try (var producer = producer(bootstrap, 20, 512 * 1024)) {
            for (int i = 0; i < count; i++) {
                producer.send(
                        new ProducerRecord<>(topic, i % partitions, null, event.apply(i)),
                        (metadata, error) -> failure.compareAndSet(null, error));
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("backlog not written to " + topic, failure.get());
        }
    }

    /**
     * An {@code opportunity.updated} event of about {@code size} bytes (at least ~230) shaped like the
     * filter example of docs/configuration.md: {@code stage} is {@code WON}, {@code amount.amountMicros} in bucket
     * {@code i % AMOUNT_BUCKETS}.
     */
    static byte[] opportunity(int i, int size) {
        String head = "{\"event\":\"opportunity.updated\",\"data\":{\"id\":\"e-" + i
                + "\",\"name\":\"Renewal 2027\",\"stage\":\"WON\",\"amount\":{\"amountMicros\":"
                + ((i % AMOUNT_BUCKETS) * BUCKET_MICROS + BUCKET_MICROS / 2)
                + ",\"currencyCode\":\"EUR\"},\"notes\":\"";
        String tail = "\"},\"timestamp\":\"" + Instant.now() + "\"}";
        int pad = Math.max(0, size - head.length() - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
    }

    /** The workspaces of the tenants case: event {@code i} belongs to workspace {@code i % WORKSPACES}. */
    static final int WORKSPACES = 5_000;

    /**
     * The wildcard case's event types {@code objectK.actionJ}, {@code K} and {@code J} each below this: event {@code i}
     * has {@code K = i % WILDCARD_VALUES} and {@code J = (K + i / WILDCARD_VALUES) % WILDCARD_VALUES}, so that in
     * every block of {@code WILDCARD_VALUES} events each object and each action occurs once: {@code objectK.*} and
     * {@code *.actionJ} each match 1 event in {@code WILDCARD_VALUES}, exactly when the count is a multiple of it.
     */
    static final int WILDCARD_VALUES = 1_000;

    /** Workspace {@code k}'s id, shaped like the CRM's (a UUID). */
    static String workspace(int k) {
        return String.format(Locale.ROOT, "20202020-%04x-4000-8000-%012x", k >>> 16, k);
    }

    /**
     * Event {@code i} of the tenants case, in the CRM's own shape ({@code eventName}, top-level {@code workspaceId},
     * {@code record}, {@code eventDate}), of about {@code size} bytes: type {@code SampleEvents.TYPES[i % 9]}, workspace
     * {@code i % WORKSPACES}.
     */
    static byte[] workspaceEvent(int i, int size) {
        return crmRecord(
                SampleEvents.TYPES.get(i % SampleEvents.TYPES.size()), workspace(i % WORKSPACES), "e-" + i, size);
    }

    /** Event {@code i} of the wildcard case: {@code objectK.actionJ} (see {@link #WILDCARD_VALUES}), same shape. */
    static byte[] wildcardEvent(int i, int size) {
        int k = i % WILDCARD_VALUES;
        int j = (k + i / WILDCARD_VALUES) % WILDCARD_VALUES;
        return crmRecord("object" + k + ".action" + j, workspace(i % WORKSPACES), "e-" + i, size);
    }

    private static byte[] crmRecord(String type, String workspace, String id, int size) {
        String head = "{\"eventName\":\"" + type + "\",\"workspaceId\":\"" + workspace + "\",\"record\":{\"id\":\""
                + id + "\",\"name\":{\"firstName\":\"An\",\"lastName\":\"Nguyễn\"},\"email\":\"an@example.com\","
                + "\"notes\":\"";
        String tail = "\"},\"eventDate\":\"" + Instant.now() + "\"}";
        int pad = Math.max(0, size - head.length() - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
    }

    /** The filter example of docs/configuration.md, narrowed to bucket {@code k} of the amounts: 1 event in 10. */
    static String bucketFilter(int k) {
        return "data.stage == \"WON\" && data.amount.amountMicros > " + k * BUCKET_MICROS
                + " && data.amount.amountMicros < " + (k + 1) * BUCKET_MICROS;
    }

    /** What {@link #paced} produced: all of it, and from when on it counts (after the warm-up). */
    record Paced(long count, long measuredFromMicros) {}

    /**
     * Produces at {@code perSecond} for {@code warmUp + measure}. Each event's record id is
     * {@code lat-<epoch micros>}, taken just before the send, for the receiver to compute its latency.
     * The producer lingers 5 ms (Kafka's default): one produce request per event would cost the broker,
     * on the same two cores, more CPU than the dispatcher. So latency includes up to 5 ms of batching.
     */
    static Paced paced(
            String bootstrap,
            String topic,
            int partitions,
            double perSecond,
            Duration warmUp,
            Duration measure,
            int size) {
        long intervalNanos = (long) (1e9 / perSecond);
        long start = System.nanoTime();
        long warmUpEnd = start + warmUp.toNanos();
        long end = warmUpEnd + measure.toNanos();
        long measuredFrom = 0;
        long sent = 0;
        try (var producer = producer(bootstrap, 5, 64 * 1024)) {
            for (long due = start; due < end; due = start + sent * intervalNanos) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                long now = LeanReceiver.wallMicros();
                if (measuredFrom == 0 && System.nanoTime() >= warmUpEnd) {
                    measuredFrom = now;
                }
                String type = SampleEvents.TYPES.get((int) (sent % SampleEvents.TYPES.size()));
                producer.send(new ProducerRecord<>(
                        topic, (int) (sent % partitions), null, SampleEvents.event(type, "lat-" + now, size)));
                sent++;
            }
            producer.flush();
        }
        return new Paced(sent, measuredFrom);
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap, int lingerMs, int batchBytes) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        lingerMs,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        batchBytes,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        (int) TimeUnit.MINUTES.toMillis(2)),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }
}
