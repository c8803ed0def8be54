package io.webhookdispatcher.operations;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions' shared state: every record of the compacted operations topic, read from its start, the last
 * one per subscription kept. Writes are compare-and-set across every replica and the {@code enable} command: the
 * writer opens a producer with the one transactional id they all use, which fences any other writer and finishes
 * its open transaction; then it reads to the topic's end (read_committed), checks the condition on what it read,
 * and writes in a transaction of its own. Two replicas deciding to disable the same subscription at once write one
 * event: whichever commits second was fenced, or reads the first one's record and finds its condition false.
 *
 * <p>Not thread-safe: one thread calls everything but {@link #state}, which any thread may read.
 */
public final class OperationsTopic implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OperationsTopic.class);
    private static final int FENCED_RETRIES = 5;

    private final Consumer<byte[], byte[]> consumer;
    private final Supplier<Producer<byte[], byte[]>> transactionalProducer;
    private final String topic;
    private final java.util.function.Consumer<OperationRecord> onRecord;
    private final Map<String, OperationRecord> states = new ConcurrentHashMap<>();
    private List<TopicPartition> partitions = List.of();
    private boolean opened; // onRecord is told only what comes after the state read by open()

    /**
     * @param consumer              a consumer without a group, read_committed
     * @param transactionalProducer a new producer with the shared transactional id, per write
     * @param onRecord              told each record read after {@link #open}, on the calling thread
     */
    public OperationsTopic(
            Consumer<byte[], byte[]> consumer,
            Supplier<Producer<byte[], byte[]>> transactionalProducer,
            String topic,
            java.util.function.Consumer<OperationRecord> onRecord) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.transactionalProducer = Objects.requireNonNull(transactionalProducer, "transactionalProducer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.onRecord = Objects.requireNonNull(onRecord, "onRecord");
    }

    /** Assigns every partition and reads to the end; throws when the topic is missing or unreadable in time. */
    public void open(Duration timeout) {
        var infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new KafkaException("the operations topic " + topic + " does not exist");
        }
        partitions = infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        catchUp(timeout);
        opened = true;
    }

    /** Every subscription's last state, as read so far. */
    public Map<String, OperationRecord> states() {
        return Map.copyOf(states);
    }

    /** The subscription's last state, if it has one. */
    public Optional<OperationRecord> state(String subscription) {
        return Optional.ofNullable(states.get(subscription));
    }

    /** Reads what is new, waiting at most {@code timeout} for it. */
    public void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            apply(r);
        }
    }

    /** Reads until every partition's position reaches its end (the last stable offset) as of now. */
    public void catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException("could not read the operations topic " + topic + " to its end in " + timeout);
            }
            poll(Duration.ofMillis(100));
        }
    }

    /**
     * Writes {@code record} if {@code condition} holds for the subscription's state once every earlier writer is
     * fenced and its writes are read; returns whether it wrote. A {@link KafkaException} means it is unknown
     * (the caller tries again later; the condition makes that safe).
     */
    public boolean writeIf(Predicate<Optional<OperationRecord>> condition, OperationRecord record, Duration timeout) {
        for (int attempt = 1; ; attempt++) {
            try (Producer<byte[], byte[]> producer = transactionalProducer.get()) {
                producer.initTransactions(); // fences the others and completes their open transactions
                catchUp(timeout);
                if (!condition.test(state(record.subscription()))) {
                    return false;
                }
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(
                        topic, record.subscription().getBytes(StandardCharsets.UTF_8), record.toJson()));
                producer.commitTransaction();
                catchUp(timeout); // read our own write, so state() says it at once
                return true;
            } catch (ProducerFencedException | InvalidProducerEpochException fenced) {
                if (attempt >= FENCED_RETRIES) {
                    throw new KafkaException("fenced " + attempt + " times writing to " + topic, fenced);
                }
                log.debug("another writer of {} took over; reading its writes and deciding again", topic);
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        Optional<OperationRecord> parsed = OperationRecord.parse(r.value());
        if (key == null) {
            return;
        }
        if (parsed.isEmpty()) {
            if (r.value() == null) {
                states.remove(key); // a tombstone clears the state
            } else {
                log.warn("ignored an unreadable record at {}-{}@{}", r.topic(), r.partition(), r.offset());
            }
            return;
        }
        OperationRecord record = parsed.get();
        if (!record.subscription().equals(key)) {
            log.warn("ignored a record keyed {} about {} at {}@{}", key, record.subscription(), r.topic(), r.offset());
            return;
        }
        states.put(key, record);
        if (opened) {
            onRecord.accept(record);
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
