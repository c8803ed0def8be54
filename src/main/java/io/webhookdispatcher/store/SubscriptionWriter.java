package io.webhookdispatcher.store;

import io.webhookdispatcher.store.SubscriptionAdmin.Put;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SubscriptionAdmin} on Kafka, a compare-and-set as the operations topic's: the writer's producer has the
 * one transactional id every writer of the topic uses, and its {@code initTransactions} fences any other writer and
 * completes its open transaction; then, for each write, it reads the topic to its end (read_committed), decides the
 * edit on what it read, and writes the decision in a transaction, acknowledged by every in-sync replica. Two
 * operators updating {@code --if-version 3} at once: one writes version 4, the other is fenced, reads version 4 and
 * is refused. The producer is kept between writes: a writer that took over since fences it, and the write is decided
 * again on a new producer (whose initialisation came after the other's write, so its read sees it).
 *
 * <p>A write returns once the record is acknowledged and, when the reader follows the topic (the running
 * dispatcher's store), once that reader has applied it: read-your-writes on this replica (a write acknowledged but
 * not applied in time is still answered as written: a retry must not make it twice). Writes are serialised, each
 * waiting at most the timeout for the one before it.
 */
public final class SubscriptionWriter implements SubscriptionAdmin {
    private static final Logger log = LoggerFactory.getLogger(SubscriptionWriter.class);
    private static final int FENCED_RETRIES = 5;

    private final SubscriptionStore reader;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final String topic;
    private final StoredSchema schema;
    private final Duration timeout;
    private final boolean ownsReader;
    private final ReentrantLock lock = new ReentrantLock(true);
    private Producer<byte[], byte[]> producer;

    /**
     * @param reader     an opened store: read to the end before each decision, or, when following, waited for
     * @param producers  a new transactional producer, when there is none or the last was fenced
     * @param ownsReader whether {@link #close} closes the reader too
     */
    public SubscriptionWriter(
            SubscriptionStore reader,
            Supplier<Producer<byte[], byte[]>> producers,
            String topic,
            StoredSchema schema,
            Duration timeout,
            boolean ownsReader) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.producers = Objects.requireNonNull(producers, "producers");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.ownsReader = ownsReader;
    }

    @Override
    public SortedMap<String, StoredSubscription> records() {
        reader.catchUp(timeout);
        return new TreeMap<>(reader.records());
    }

    @Override
    public StoredSchema schema() {
        return schema;
    }

    @Override
    public Outcome write(String id, Edit edit) {
        try {
            if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new KafkaException("other writes of this replica held it up for " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while waiting to write to " + topic, e);
        }
        try {
            return decideAndWrite(id, edit);
        } finally {
            lock.unlock();
        }
    }

    private Outcome decideAndWrite(String id, Edit edit) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (producer == null) {
                    producer = producers.get();
                    producer.initTransactions(); // fences the others and completes their open transactions
                }
                reader.catchUp(timeout);
                Decision decision = edit.decide(reader.records());
                if (decision instanceof Refusal refused) {
                    return refused;
                }
                if (decision instanceof Existing existing) {
                    return existing;
                }
                return send(id, decision);
            } catch (ProducerFencedException | InvalidProducerEpochException fenced) {
                retire();
                if (attempt >= FENCED_RETRIES) {
                    throw new KafkaException("fenced " + attempt + " times writing to " + topic, fenced);
                }
                // another writer took over while this one decided: read what it wrote and decide again
            } catch (ExecutionException e) {
                retire();
                if (fenced(e.getCause()) && attempt < FENCED_RETRIES) {
                    continue;
                }
                throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                retire();
                throw new KafkaException("interrupted while writing to " + topic, e);
            } catch (TimeoutException e) {
                retire();
                throw new KafkaException("no acknowledgement from " + topic + " in " + timeout, e);
            } catch (RuntimeException e) {
                retire(); // its transaction state is unknown: the next write starts on a new producer
                throw e;
            }
        }
    }

    /** Writes a Put or a Remove in a transaction; returns once it is acknowledged (and applied, when following). */
    private Outcome send(String id, Decision decision)
            throws ExecutionException, InterruptedException, TimeoutException {
        byte[] value = decision instanceof Put put ? put.record().toJson() : null;
        producer.beginTransaction();
        RecordMetadata written = producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value))
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        producer.commitTransaction();
        if (reader.following()) { // live here before the caller hears of it
            try {
                reader.awaitApplied(
                        Map.of(new TopicPartition(written.topic(), written.partition()), written.offset() + 1),
                        timeout);
            } catch (KafkaException notYet) { // written all the same: a retry must not make it twice
                log.warn(
                        "{} written to {} but not applied here within {}: {}", id, topic, timeout, notYet.getMessage());
            }
        }
        return new Written(decision instanceof Put put ? Optional.of(put.record()) : Optional.empty());
    }

    private static boolean fenced(Throwable cause) {
        return cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException;
    }

    private void retire() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            retire();
            if (ownsReader) {
                reader.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
