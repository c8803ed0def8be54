package io.webhookdispatcher.store;

import io.webhookdispatcher.store.SubscriptionAdmin.Put;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * {@link SubscriptionAdmin} on Kafka, a compare-and-set as the operations topic's: the writer opens a producer with
 * the one transactional id every writer of the topic uses, which fences any other writer and completes its open
 * transaction; then it reads the topic to its end (read_committed), decides the edit on what it read, and writes
 * the decision in a transaction, acknowledged by every in-sync replica. Two operators updating {@code --if-version 3}
 * at once: one writes version 4, the other is fenced, reads version 4 and is refused.
 */
public final class SubscriptionWriter implements SubscriptionAdmin {
    private static final int FENCED_RETRIES = 5;

    private final SubscriptionStore reader;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final String topic;
    private final StoredSchema schema;
    private final Duration timeout;

    /**
     * @param reader    an opened store, not following (this writer reads it to the end before each decision)
     * @param producers a new transactional producer per write
     */
    public SubscriptionWriter(
            SubscriptionStore reader,
            Supplier<Producer<byte[], byte[]>> producers,
            String topic,
            StoredSchema schema,
            Duration timeout) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.producers = Objects.requireNonNull(producers, "producers");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
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
        for (int attempt = 1; ; attempt++) {
            Producer<byte[], byte[]> producer = producers.get();
            try {
                producer.initTransactions(); // fences the others and completes their open transactions
                reader.catchUp(timeout);
                Decision decision = edit.decide(reader.records());
                if (decision instanceof Refusal refused) {
                    return refused;
                }
                byte[] value = decision instanceof Put put ? put.record().toJson() : null;
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value))
                        .get();
                producer.commitTransaction();
                return new Written(decision instanceof Put put ? Optional.of(put.record()) : Optional.empty());
            } catch (ProducerFencedException | InvalidProducerEpochException fenced) {
                if (attempt >= FENCED_RETRIES) {
                    throw new KafkaException("fenced " + attempt + " times writing to " + topic, fenced);
                }
                // another writer took over while this one decided: read what it wrote and decide again
            } catch (ExecutionException e) {
                throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while writing to " + topic, e);
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    @Override
    public void close() {
        reader.close();
    }
}
