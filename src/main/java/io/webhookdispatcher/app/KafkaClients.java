package io.webhookdispatcher.app;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.ExpandedValues;
import io.webhookdispatcher.config.KafkaClientSettings;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Makes the Kafka clients, with the properties {@link KafkaClientSettings} derives from the {@code kafka}
 * section (and checked when the config was loaded).
 */
final class KafkaClients {
    /** Room for the headers of a retry or dead-letter record on top of the largest event accepted. */
    static final int HEADER_HEADROOM = KafkaClientSettings.HEADER_HEADROOM;

    private final DispatcherConfig.Kafka kafka;

    KafkaClients(DispatcherConfig.Kafka kafka) {
        this.kafka = kafka;
    }

    /**
     * A client as {@code make} builds it; a failure to build it is rethrown with its messages masked (the cause chain
     * folded into one message, the stack kept): Kafka quotes the settings it cannot parse, and some come from the
     * environment ({@code Invalid login module control flag '<secret>' in JAAS config}, issue 20).
     */
    static <T> T built(Supplier<T> make) {
        try {
            return make.get();
        } catch (RuntimeException e) {
            var masked = new KafkaException(ExpandedValues.describe(e));
            masked.setStackTrace(e.getStackTrace());
            throw masked;
        }
    }

    Map<String, Object> common(String clientId) {
        return KafkaClientSettings.admin(kafka, clientId);
    }

    /**
     * A member of {@code groupId} that starts partitions without a committed offset at {@code startFrom} and returns
     * at most {@code maxPollRecords} records from one poll.
     */
    KafkaConsumer<byte[], byte[]> consumer(
            String groupId, String clientId, DispatcherConfig.Kafka.StartFrom startFrom, int maxPollRecords) {
        return built(() -> new KafkaConsumer<>(
                KafkaClientSettings.consumer(kafka, groupId, clientId, startFrom, maxPollRecords),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer()));
    }

    /** A consumer without a group, for reading a topic by assignment (replay). */
    KafkaConsumer<byte[], byte[]> reader(String clientId) {
        return built(() -> new KafkaConsumer<>(
                KafkaClientSettings.reader(kafka, clientId), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    /**
     * A reader of the operations or the subscriptions topic: read_committed whatever kafka.properties says (their
     * compare-and-set writes need it, and an aborted write must never be applied).
     */
    KafkaConsumer<byte[], byte[]> operationsReader(String clientId) {
        var props = KafkaClientSettings.reader(kafka, clientId);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return built(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    /**
     * The follower of the subscriptions topic: as {@link #operationsReader}, and a fetch answered within 50 ms
     * (the default 500 ms): an admin write waits for it to apply the commit, and a transaction's commit marker does
     * not wake a fetch waiting for bytes. An idle replica asks the broker 20 times a second, one tiny request each.
     */
    KafkaConsumer<byte[], byte[]> subscriptionsFollower(String clientId) {
        var props = KafkaClientSettings.reader(kafka, clientId);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        return built(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    /**
     * The delivery log's own producer: acks=1, not idempotent, small records, and a short {@code max.block.ms}, so
     * a missing attempts topic costs its writer thread a second per record rather than five (what it cannot write
     * in time is dropped and counted). Separate from the retry producer, so it never competes for that one's buffer.
     */
    KafkaProducer<byte[], byte[]> attemptsProducer(String clientId) {
        var props = KafkaClientSettings.producer(kafka, clientId, 64 * 1024);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 4L << 20);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        return built(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /**
     * A producer for one compare-and-set write to the operations topic: every replica and the {@code enable}
     * command use one transactional id per group, so opening one fences the others (see OperationsTopic).
     */
    KafkaProducer<byte[], byte[]> operationsProducer() {
        var props = KafkaClientSettings.producer(kafka, "webhook-dispatcher-operations", 64 * 1024);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "webhook-dispatcher-operations-" + kafka.groupId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        // an admin request waits for it: a broker that does not answer fails the write in 10 s, not 2 minutes
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        return built(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /**
     * A producer for one compare-and-set write to topics.subscriptions: every writer (the {@code subscriptions}
     * command, later an API) uses one transactional id per group, so opening one fences the others and completes
     * their open transaction before this one reads the topic and decides (see SubscriptionWriter). Transactional
     * implies idempotent and acks=all: a write counts only once it is on every in-sync replica.
     */
    KafkaProducer<byte[], byte[]> subscriptionsProducer() {
        var props = KafkaClientSettings.producer(kafka, "webhook-dispatcher-subscriptions", 1 << 20);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "webhook-dispatcher-subscriptions-" + kafka.groupId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        // an admin request waits for it: a broker that does not answer fails the write in 10 s, not 2 minutes
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        return built(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /**
     * The ingest port's producer, idempotent and acks=all like the retry producer but apart from it (a burst of webhooks
     * never takes that one's buffer), with bounds that make a request fail in time: the CRM waits 5 s for an answer,
     * so send() blocks at most 1 s for metadata and a write is given up after 2.5 s (request 2 s), and the request is
     * answered 503 within about 3.5 s while the broker is away. These win over kafka.properties.
     */
    KafkaProducer<byte[], byte[]> ingestProducer(String clientId, int maxEventBytes) {
        var props = KafkaClientSettings.producer(kafka, clientId, maxEventBytes);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2_500);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        return built(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** Idempotent, acks=all: a retry or dead-letter write counts only once it is on every in-sync replica. */
    KafkaProducer<byte[], byte[]> producer(String clientId, int maxEventBytes) {
        return built(() -> new KafkaProducer<>(
                KafkaClientSettings.producer(kafka, clientId, maxEventBytes),
                new ByteArraySerializer(),
                new ByteArraySerializer()));
    }
}
