package io.webhookdispatcher.operations;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions' shared state: every record of the compacted operations topic, read from its start, the last
 * one per subscription kept. Writes are compare-and-set across every replica and the {@code enable} command: the
 * writer opens a producer with the one transactional id they all use, which fences any other writer and finishes
 * its open transaction; then it reads to the topic's end (read_committed), checks each condition on what it read,
 * and writes what passes in one transaction. Two replicas deciding to disable the same subscription at once write
 * one event: whichever commits second was fenced (and decides again on what it then reads), or reads the first
 * one's record and finds its condition false.
 *
 * <p>Not thread-safe: one thread calls everything but {@link #state}, which any thread may read.
 */
public final class OperationsTopic implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OperationsTopic.class);
    private static final int FENCED_RETRIES = 5;

    /** Writes {@code record} if {@code condition} holds for its subscription's state when it is decided. */
    public record Write(Predicate<Optional<OperationRecord>> condition, OperationRecord record) {}

    private final Consumer<byte[], byte[]> consumer;
    private final Supplier<Producer<byte[], byte[]>> transactionalProducer;
    private final String topic;
    private final java.util.function.Consumer<OperationRecord> onRecord;
    private final Map<String, OperationRecord> states = new ConcurrentHashMap<>();
    private List<TopicPartition> partitions = List.of();
    private boolean opened; // onRecord is told only what comes after the state read by open()

    /**
     * @param consumer              a consumer without a group, read_committed (forced: the compare-and-set needs it)
     * @param transactionalProducer a new producer with the shared transactional id, per batch of writes
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

    public boolean opened() {
        return opened;
    }

    /** Every subscription's last state, as read so far. */
    public Map<String, OperationRecord> states() {
        return Map.copyOf(states);
    }

    /** The subscription's last state, if it has one. Any thread. */
    public Optional<OperationRecord> state(String subscription) {
        return Optional.ofNullable(states.get(subscription));
    }

    /** Reads what is new, waiting at most {@code timeout} for it. */
    public void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            try {
                apply(r);
            } catch (RuntimeException e) { // the consumer has moved past it: the records after it must still apply
                log.error(
                        "applying {}-{}@{} failed; its state is kept, its effect on the lanes is not",
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        e);
            }
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

    /** {@link #writeAll} of one write. */
    public boolean writeIf(Predicate<Optional<OperationRecord>> condition, OperationRecord record, Duration timeout) {
        return writeAll(List.of(new Write(condition, record)), timeout).get(0);
    }

    /**
     * Decides and writes a batch in one transaction, in order (a later write's condition sees the earlier ones of
     * the batch), once every earlier writer is fenced and its writes are read; returns which were written. A
     * {@link KafkaException} means nothing of the batch is known to be written (the caller decides again later;
     * the conditions make that safe). Our own writes are read by the next poll or catch-up: the last stable offset
     * moves once the transaction's markers are written, a moment after the commit returns.
     */
    public List<Boolean> writeAll(List<Write> writes, Duration timeout) {
        // states only move forward: a condition false on what this replica has read is false on the topic too, so
        // those need no producer (and fence no other writer)
        if (writes.stream().noneMatch(w -> w.condition().test(state(w.record().subscription())))) {
            return writes.stream()
                    .map(w -> already(w, state(w.record().subscription())))
                    .toList();
        }
        for (int attempt = 1; ; attempt++) {
            Producer<byte[], byte[]> producer = transactionalProducer.get();
            try {
                producer.initTransactions(); // fences the others and completes their open transactions
                catchUp(timeout);
                var view = new HashMap<>(states);
                var written = new ArrayList<Boolean>();
                var send = new ArrayList<OperationRecord>();
                for (Write w : writes) {
                    String key = w.record().subscription();
                    Optional<OperationRecord> current = Optional.ofNullable(view.get(key));
                    boolean write = w.condition().test(current);
                    written.add(write || already(w, current));
                    if (write) {
                        view.put(key, w.record());
                        send.add(w.record());
                    }
                }
                if (!send.isEmpty()) {
                    producer.beginTransaction();
                    var sends = new ArrayList<Future<RecordMetadata>>();
                    for (OperationRecord r : send) {
                        sends.add(producer.send(new ProducerRecord<>(
                                topic, r.subscription().getBytes(StandardCharsets.UTF_8), r.toJson())));
                    }
                    sent(producer, sends);
                    if (!committed(producer, attempt)) {
                        // its outcome is unknown: the next producer's initTransactions settles it; decide again
                        continue;
                    }
                }
                return written;
            } catch (ProducerFencedException
                    | InvalidProducerEpochException
                    | InvalidTxnStateException
                    | TransactionAbortableException fenced) {
                // another writer opened the id while this one was deciding: its transaction is aborted (or, if the
                // answer to a commit was lost, committed: then the next round reads it, and already() says so);
                // read what the other wrote and decide again, after a random pause so two writers part
                if (attempt >= FENCED_RETRIES) {
                    throw new KafkaException("fenced " + attempt + " times writing to " + topic, fenced);
                }
                log.debug("another writer of {} took over; reading its writes and deciding again", topic);
                backOff();
            } finally {
                producer.close(Duration.ofSeconds(5)); // bounded: a broker gone mid-commit must not hang this thread
            }
        }
    }

    /**
     * Throws the first failed send's error (nothing of the transaction is committed then), so that only the commit
     * itself can end with an unknown outcome.
     */
    private static void sent(Producer<byte[], byte[]> producer, List<Future<RecordMetadata>> sends) {
        producer.flush();
        for (Future<RecordMetadata> f : sends) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
            } catch (InterruptedException e) {
                throw new InterruptException(e);
            }
        }
    }

    /**
     * Commits; false if the broker answered with an error that leaves the outcome unknown (seen from the embedded
     * broker: "Unhandled error in EndTxnResponse", an unknown server error, while another writer fenced this one)
     * and an attempt is left. Fencing, authorization, timeouts and interrupts, also as the cause of another
     * error, are thrown as they are.
     */
    private boolean committed(Producer<byte[], byte[]> producer, int attempt) {
        try {
            producer.commitTransaction();
            return true;
        } catch (KafkaException e) {
            if (attempt >= FENCED_RETRIES || !unknownOutcome(e)) {
                throw e;
            }
            log.warn(
                    "committing to {} failed with an unknown outcome ({}); reading the topic and deciding again",
                    topic,
                    e.getMessage());
            backOff();
            return false;
        }
    }

    private static boolean unknownOutcome(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException
                    || t instanceof InvalidProducerEpochException
                    || t instanceof InvalidTxnStateException
                    || t instanceof TransactionAbortableException
                    || t instanceof AuthorizationException
                    || t instanceof TimeoutException
                    || t instanceof InterruptException) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the state already is this write's record: written by an earlier round whose answer was lost. A write
     * that landed but was replaced before the re-read (by a later write of the batch for the same subscription, or
     * by another writer) is reported as not written; the conditions keep it from being written twice.
     */
    private static boolean already(Write w, Optional<OperationRecord> current) {
        return current.filter(w.record()::equals).isPresent();
    }

    /** 50 to 250 ms at random, so that two writers that collided part. */
    private static void backOff() {
        try {
            Thread.sleep(50 + java.util.concurrent.ThreadLocalRandom.current().nextInt(200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing to the operations topic", e);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return;
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) { // a tombstone clears the state: enabled
            states.remove(key);
            if (opened) {
                onRecord.accept(OperationRecord.cleared(key, Instant.ofEpochMilli(r.timestamp())));
            }
            return;
        }
        Optional<OperationRecord> parsed = OperationRecord.parse(r.value());
        if (parsed.isEmpty() || !parsed.get().subscription().equals(key)) {
            log.warn(
                    "ignored an unreadable record (or one about another key) at {}-{}@{}",
                    r.topic(),
                    r.partition(),
                    r.offset());
            return;
        }
        OperationRecord record = parsed.get();
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
