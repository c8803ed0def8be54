package io.webhookdispatcher.store;

import io.webhookdispatcher.dispatch.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reader of {@code topics.subscriptions}, as Kafka Connect reads its config topic: every partition assigned (no
 * group), read from the start to the end offsets taken when {@link #open} begins, before the dispatcher reports
 * ready; then followed on a thread of its own, each poll's changes applied together. The view is a function of the
 * last record per key only (what compaction keeps), so every replica, and a replica after a restart, builds the same:
 * a record that cannot be used (not JSON, invalid, a secret whose key this replica lacks) is reported and its
 * subscription is not applied, also not an earlier version of it. One whose key arrives later (the key file is
 * re-read) is applied then. During {@link #open} only each id's last record is decoded (decrypted and validated),
 * once the end is reached: a tail not yet compacted costs a decode per subscription, not per write.
 */
public final class SubscriptionStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionStore.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long BACKOFF_MILLIS = 1000;

    /** Told the usable subscriptions, by id, after each change. */
    public interface Listener {
        void changed(Map<String, Subscription> usable);

        Listener NONE = usable -> {};
    }

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final StoredSchema schema;
    private final Listener listener;
    private final StoreReport report;
    private final LongSupplier keyGeneration;
    private final Map<String, StoredSubscription> records = new ConcurrentHashMap<>();
    private final Map<String, Subscription> usable = new HashMap<>();
    private final Set<String> waitingForKey = new HashSet<>();
    /** Records whose previous secrets stop signing at a time still to come: decoded again then. */
    private final Map<String, java.time.Instant> rotating = new HashMap<>();

    private final Thread thread = new Thread(this::follow, "subscription-store");
    private List<TopicPartition> partitions = List.of();
    private long keysSeen;
    private boolean opening;
    /** A change read and not yet told to the listener (it failed): told on the next step. */
    private boolean untold;

    private volatile boolean running = true;
    /** While following: where each partition's records are applied up to (the listener told); guarded by itself. */
    private final Map<TopicPartition, Long> applied = new HashMap<>();
    /** While following: each partition's end offset (read_committed), asked of the broker by another client. */
    private Function<List<TopicPartition>, Map<TopicPartition, Long>> endOffsets;

    /**
     * @param consumer      a consumer without a group (read_committed: aborted writes are no subscriptions)
     * @param keyGeneration changes when the encryption keys do ({@link KeyFile#generation})
     */
    public SubscriptionStore(
            Consumer<byte[], byte[]> consumer,
            String topic,
            StoredSchema schema,
            Listener listener,
            StoreReport report,
            LongSupplier keyGeneration) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.report = Objects.requireNonNull(report, "report");
        this.keyGeneration = Objects.requireNonNull(keyGeneration, "keyGeneration");
        thread.setDaemon(true);
    }

    /**
     * Assigns every partition and reads to the end offsets as of now, then tells the listener; returns how long it
     * took. Throws when the topic is missing or cannot be read to its end in time.
     */
    public Duration open(Duration timeout) {
        long start = System.nanoTime();
        var infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new KafkaException("the subscriptions topic " + topic + " does not exist");
        }
        partitions = infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        keysSeen = keyGeneration.getAsLong();
        opening = true; // an uncompacted tail may hold many versions of one id: only the last is decoded
        catchUp(timeout);
        opening = false;
        synchronized (this) {
            records.values().forEach(this::decode);
        }
        listener.changed(usable());
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Reads until every partition's position reaches its end offset as of this call; while following, waits until
     * the following thread has applied that far instead.
     */
    public void catchUp(Duration timeout) {
        if (endOffsets != null) {
            awaitApplied(endOffsets.apply(partitions), timeout);
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException(
                        "could not read the subscriptions topic " + topic + " to its end in " + timeout);
            }
            read(POLL);
        }
    }

    /**
     * Follows the topic, and lets a writer wait for it: {@link #catchUp} then waits until what {@code endOffsets}
     * returns (each partition's read_committed end offset) is applied, and {@link #awaitApplied} until a record
     * written is.
     */
    public void start(Function<List<TopicPartition>, Map<TopicPartition, Long>> endOffsets) {
        this.endOffsets = Objects.requireNonNull(endOffsets, "endOffsets");
        noteApplied();
        thread.start();
    }

    /** Whether {@link #start} was called: another thread applies what is read. */
    public boolean following() {
        return endOffsets != null;
    }

    /**
     * Waits until the following thread has applied (and told the listener) every partition up to the given offset,
     * exclusive: a write's offset + 1 is "this write is live here".
     *
     * @throws KafkaException when that takes longer than {@code timeout}
     */
    public void awaitApplied(Map<TopicPartition, Long> offsets, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (applied) {
            while (offsets.entrySet().stream().anyMatch(e -> applied.getOrDefault(e.getKey(), 0L) < e.getValue())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new KafkaException("the subscriptions topic " + topic + " was not applied up to " + offsets
                            + " in " + timeout + " (applied: " + applied + ")");
                }
                try {
                    applied.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("interrupted while waiting for " + topic, e);
                }
            }
        }
    }

    /** The position of every partition, now that what was read up to it is applied. Only on the reading thread. */
    private void noteApplied() {
        var positions = new HashMap<TopicPartition, Long>();
        partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
        synchronized (applied) {
            applied.putAll(positions);
            applied.notifyAll();
        }
    }

    /** The last readable record of each subscription, usable or not (what a write compares its version with). */
    public Map<String, StoredSubscription> records() {
        return Map.copyOf(records);
    }

    /** The subscriptions applied from the topic, by id. */
    public synchronized Map<String, Subscription> usable() {
        return Map.copyOf(usable);
    }

    private void follow() {
        while (running) {
            try {
                step(POLL);
            } catch (WakeupException e) {
                return; // closing
            } catch (RuntimeException e) {
                if (running) {
                    log.warn(
                            "reading the subscriptions topic {} failed ({}); trying again in {} ms",
                            topic,
                            e.toString(),
                            BACKOFF_MILLIS);
                    pause();
                }
            }
        }
    }

    /** One poll's records, and the records a new key may open, applied; the listener told of a change. */
    void step(Duration timeout) {
        if (read(timeout) | keysChanged() | rotationsEnded()) {
            untold = true;
        }
        if (untold) { // also after a listener that failed: applied only once it was told
            listener.changed(usable());
            untold = false;
        }
        noteApplied();
    }

    /** One poll's records applied; whether the usable set changed. */
    synchronized boolean read(Duration timeout) {
        boolean changed = false;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            if (r.key() == null) {
                continue;
            }
            String id = new String(r.key(), StandardCharsets.UTF_8);
            try {
                changed |= apply(id, r.value());
            } catch (RuntimeException e) { // the position is past it: the records after it must still apply
                records.remove(id);
                changed |= usable.remove(id) != null;
                report.unusable(
                        id,
                        new StoredSchema.Unusable(
                                false,
                                List.of(topic + ": " + StoredSchema.path(id) + ": cannot be read ("
                                        + e.getClass().getSimpleName() + ")")));
            }
        }
        return changed;
    }

    private boolean apply(String id, byte[] value) {
        waitingForKey.remove(id);
        if (value == null) { // a tombstone: deleted
            records.remove(id);
            rotating.remove(id);
            return usable.remove(id) != null;
        }
        StoredSubscription stored;
        try {
            stored = StoredSubscription.parse(id, value);
        } catch (IllegalArgumentException e) {
            records.remove(id);
            report.unusable(
                    id,
                    new StoredSchema.Unusable(
                            false, List.of(topic + ": " + StoredSchema.path(id) + ": " + e.getMessage())));
            return usable.remove(id) != null;
        }
        records.put(id, stored);
        return !opening && decode(stored);
    }

    /** Whether the usable set changed. */
    private boolean decode(StoredSubscription stored) {
        String id = stored.id();
        stored.previousSecretsUntil()
                .filter(until -> !stored.previousSecretsExpired(schema.now()))
                .ifPresentOrElse(until -> rotating.put(id, until), () -> rotating.remove(id));
        StoredSchema.Decoded decoded;
        try {
            decoded = schema.decode(stored);
        } catch (RuntimeException e) { // a bug or a broken key source: reported; the records after it still apply
            decoded = new StoredSchema.Unusable(
                    false,
                    List.of(topic + ": " + StoredSchema.path(id) + ": cannot be read ("
                            + e.getClass().getSimpleName() + ")"));
        }
        if (decoded instanceof StoredSchema.Usable u) {
            return !u.subscription().equals(usable.put(id, u.subscription()));
        }
        var why = (StoredSchema.Unusable) decoded;
        if (why.missingKey()) {
            waitingForKey.add(id);
        }
        report.unusable(id, why);
        return usable.remove(id) != null;
    }

    /** The records whose rotation overlap ended since, decoded again (their previous secrets no longer sign). */
    private synchronized boolean rotationsEnded() {
        if (rotating.isEmpty()) {
            return false;
        }
        var now = schema.now();
        boolean changed = false;
        for (var e : List.copyOf(rotating.entrySet())) {
            if (!now.isBefore(e.getValue())) {
                rotating.remove(e.getKey());
                StoredSubscription stored = records.get(e.getKey());
                changed |= stored != null && decode(stored);
            }
        }
        return changed;
    }

    /** After the key file changed: the records that waited for a key, decoded again. */
    private synchronized boolean keysChanged() {
        long now = keyGeneration.getAsLong();
        if (now == keysSeen) {
            return false;
        }
        keysSeen = now;
        boolean changed = false;
        for (String id : List.copyOf(waitingForKey)) {
            waitingForKey.remove(id);
            changed |= decode(records.get(id));
        }
        return changed;
    }

    private void pause() {
        try {
            Thread.sleep(BACKOFF_MILLIS); // a broker that just failed us: do not spin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread.isAlive()) {
            consumer.wakeup();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            consumer.close(Duration.ofSeconds(1)); // not thread-safe: only once its thread is done
        }
    }
}
