package io.webhookdispatcher.app;

import io.webhookdispatcher.config.DispatcherConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka client settings: {@code kafka.properties} from the config (security, tuning) under the settings
 * at-least-once depends on, which cannot be overridden.
 */
final class KafkaClients {
    private final DispatcherConfig.Kafka kafka;

    KafkaClients(DispatcherConfig.Kafka kafka) {
        this.kafka = kafka;
    }

    Map<String, Object> common(String clientId) {
        var props = new HashMap<String, Object>(kafka.properties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    KafkaConsumer<byte[], byte[]> consumer(String groupId, String clientId) {
        var props = common(clientId);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // we commit finished work only
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // The client's own fetch buffers sit outside delivery.maxBufferedBytes: keep them small (default 50 MiB).
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, FETCH_MAX_BYTES);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@code fetch.max.bytes} unless configured: what one fetch response (and so the client's buffer) may hold. */
    static final int FETCH_MAX_BYTES = 8 << 20;

    /** A consumer without a group, for reading a topic by assignment (replay). */
    KafkaConsumer<byte[], byte[]> reader(String clientId) {
        var props = common(clientId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Room for the headers of a retry or dead-letter record on top of the largest event accepted. */
    static final int HEADER_HEADROOM = 64 * 1024;

    /** Idempotent, acks=all: a retry or dead-letter write counts only once it is on every in-sync replica. */
    KafkaProducer<byte[], byte[]> producer(String clientId, int maxEventBytes) {
        var props = common(clientId);
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxEventBytes + HEADER_HEADROOM);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // send() may block this long on metadata (a missing topic); DurableWriter then retries.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
