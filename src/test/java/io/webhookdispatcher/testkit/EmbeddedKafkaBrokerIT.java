package io.webhookdispatcher.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.testkit.KafkaBrokerExtension.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class EmbeddedKafkaBrokerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void producesAndConsumesOneRecord(KafkaBroker broker) throws Exception {
        String topic = "round-trip-" + UUID.randomUUID();
        broker.createTopic(topic, 1);

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "contact-42", "{\"op\":\"update\"}"))
                    .get();
        }

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "round-trip",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            ConsumerRecord<String, String> record = pollOne(consumer);
            assertThat(record.key()).isEqualTo("contact-42");
            assertThat(record.value()).isEqualTo("{\"op\":\"update\"}");
        }
    }

    @Test
    void createdTopicsAcceptIdempotentWritesAtOnce(KafkaBroker broker) throws Exception {
        // Guards createTopics' wait for partition leaders: without it, about half of these bursts failed here
        // (NOT_LEADER_OR_FOLLOWER, then OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout).
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ProducerConfig.BATCH_SIZE_CONFIG, 200, // many batches in flight per partition
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000),
                new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                String topic = "fresh-" + UUID.randomUUID();
                broker.createTopic(topic, 3);
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int n = 0; n < 300; n++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, "key-" + n, "value-" + n)));
                }
                for (Future<RecordMetadata> result : sent) {
                    result.get();
                }
            }
        }
    }

    @Test
    void doesNotCreateTopicsOnFirstUse(KafkaBroker broker) throws Exception {
        String topic = "missing-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        1_000),
                new StringSerializer(),
                new StringSerializer())) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>(topic, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        }
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get()).doesNotContain(topic);
        }
    }

    @Test
    void testcontainersWithoutDockerSkipsInsteadOfFailing() {
        // A disabled ExecutionCondition result is reported as skipped tests, not failures.
        ConditionEvaluationResult withoutDocker =
                KafkaBrokerExtension.condition(KafkaBrokerExtension.selectBackend("testcontainers", () -> false));
        assertThat(withoutDocker.isDisabled()).isTrue();
        assertThat(withoutDocker.getReason())
                .hasValueSatisfying(reason -> assertThat(reason).contains("no Docker engine"));

        assertThat(KafkaBrokerExtension.selectBackend("testcontainers", () -> true))
                .contains(Backend.TESTCONTAINERS);
        assertThat(KafkaBrokerExtension.condition(Optional.of(Backend.TESTCONTAINERS))
                        .isDisabled())
                .isFalse();
    }

    @Test
    void autoUsesTheContainerOnlyWhenDockerIsAvailable() {
        assertThat(KafkaBrokerExtension.selectBackend(null, () -> false)).contains(Backend.EMBEDDED);
        assertThat(KafkaBrokerExtension.selectBackend("auto", () -> false)).contains(Backend.EMBEDDED);
        assertThat(KafkaBrokerExtension.selectBackend(" AUTO ", () -> true)).contains(Backend.TESTCONTAINERS);
    }

    @Test
    void embeddedNeverProbesDockerAndUnknownValuesAreRejected() {
        assertThat(KafkaBrokerExtension.selectBackend("embedded", () -> {
                    throw new AssertionError("Docker probed");
                }))
                .contains(Backend.EMBEDDED);
        assertThatThrownBy(() -> KafkaBrokerExtension.selectBackend("docker", () -> true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static ConsumerRecord<String, String> pollOne(KafkaConsumer<String, String> consumer) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                return record;
            }
        }
        throw new AssertionError("No record within " + TIMEOUT);
    }
}
