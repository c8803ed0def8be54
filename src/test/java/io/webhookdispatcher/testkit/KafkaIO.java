package io.webhookdispatcher.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing test input and reading topics and committed offsets back, on a real broker. */
public final class KafkaIO implements AutoCloseable {
    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> pending =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public KafkaIO(String bootstrap) {
        this.bootstrap = bootstrap;
        // Not idempotent: on a topic created a moment ago the broker may answer the first batch
        // NOT_LEADER while accepting the next one, and an idempotent retry of the first then fails as
        // out of sequence until the delivery timeout. One request in flight keeps the order instead.
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        false,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        1),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    public void send(String topic, String key, byte[] value) {
        send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(), value));
    }

    public void send(ProducerRecord<byte[], byte[]> record) {
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not produce to " + record.topic(), e);
        }
    }

    public void sendAsync(String topic, String key, byte[] value) {
        pending.add(producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(), value)));
    }

    /** Waits for every {@link #sendAsync} so far; fails if any was not written. */
    public void flush() {
        producer.flush();
        try {
            for (var f : pending) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("test input was not written", e);
        } finally {
            pending.clear();
        }
    }

    /** Everything currently committed to the topic, from the beginning, without a consumer group. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        var props = new HashMap<String, Object>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // as the dispatcher reads
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            var result = new ArrayList<ConsumerRecord<byte[], byte[]>>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(result::add);
            }
            return result;
        }
    }

    /** Committed offset minus log-end offset, summed over the topic's partitions (0 = all committed). */
    public long uncommitted(String group, String topic) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            var partitions = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions();
            var request = new HashMap<TopicPartition, OffsetSpec>();
            partitions.forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            var ends = admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
            long gap = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                gap += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return gap;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
