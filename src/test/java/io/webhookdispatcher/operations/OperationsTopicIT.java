package io.webhookdispatcher.operations;

import static io.webhookdispatcher.operations.TestRecords.disabled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The compare-and-set on the real broker: writers that decide at the same moment, each with its own consumer and
 * producers of the shared transactional id, write one record per decision, never two.
 */
@ExtendWith(DispatcherExtension.class)
class OperationsTopicIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void shouldWriteOneDisablePerSubscriptionWhenTwoReplicasDecideAtTheSameMoment(DispatcherFixture dispatcher)
            throws Exception {
        // given: two writers (two replicas) on one operations topic
        String topic = dispatcher.run() + ".operations";
        dispatcher.broker().createTopic(topic, 1);
        String transactionalId = "ops-" + UUID.randomUUID();
        var seen = new CopyOnWriteArrayList<OperationRecord>();
        List<OperationsTopic> writers = List.of(
                open(dispatcher, topic, transactionalId, r -> {}), open(dispatcher, topic, transactionalId, seen::add));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            // when: 20 times, both decide to disable the same subscription, released at once
            int rounds = 20;
            var wins = new ArrayList<Integer>();
            for (int i = 0; i < rounds; i++) {
                String subscription = "s" + i;
                var barrier = new CyclicBarrier(2);
                var decisions = new ArrayList<Future<Boolean>>();
                for (OperationsTopic writer : writers) {
                    decisions.add(threads.submit(() -> {
                        barrier.await();
                        return writer.writeIf(
                                state -> state.map(r -> !r.disabled()).orElse(true), disabled(subscription), TIMEOUT);
                    }));
                }
                int won = 0;
                for (Future<Boolean> d : decisions) {
                    won += d.get() ? 1 : 0;
                }
                wins.add(won);
            }

            // then: exactly one of the two wrote, each time, and the topic holds one disable per subscription
            assertThat(wins).containsOnly(1);
            var committed = dispatcher.kafka().readAll(topic);
            assertThat(committed).hasSize(rounds);
            // and: the other replica reads each of them
            OperationsTopic reader = writers.get(1);
            await().atMost(TIMEOUT).until(() -> {
                reader.poll(Duration.ofMillis(100));
                return reader.states().size() == rounds;
            });
            assertThat(reader.states().values())
                    .allSatisfy(r -> assertThat(r.disabled()).isTrue());
        } finally {
            threads.shutdownNow();
            writers.forEach(OperationsTopic::close);
        }
    }

    @Test
    void shouldTellARunningReplicaThatATombstoneClearedAState(DispatcherFixture dispatcher) throws Exception {
        // given: a disabled subscription, read by a running replica
        String topic = dispatcher.run() + ".operations";
        dispatcher.broker().createTopic(topic, 1);
        var seen = new CopyOnWriteArrayList<OperationRecord>();
        OperationsTopic replica = open(dispatcher, topic, "ops-" + UUID.randomUUID(), seen::add);
        try {
            assertThat(replica.writeIf(state -> true, disabled("crm"), TIMEOUT)).isTrue();
            await().atMost(TIMEOUT).until(() -> {
                replica.poll(Duration.ofMillis(100));
                return replica.state("crm").isPresent();
            });

            // when: an operator deletes its record
            try (var producer = new KafkaProducer<>(
                    Map.<String, Object>of(
                            "bootstrap.servers", dispatcher.broker().bootstrapServers()),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topic, "crm".getBytes(), null))
                        .get();
            }

            // then: its state is gone and the replica is told it is enabled
            await().atMost(TIMEOUT).until(() -> {
                replica.poll(Duration.ofMillis(100));
                return replica.state("crm").isEmpty();
            });
            assertThat(seen).last().satisfies(r -> {
                assertThat(r.type()).isEqualTo(OperationRecord.ENABLED);
                assertThat(r.by()).isEqualTo("tombstone");
            });
        } finally {
            replica.close();
        }
    }

    private static OperationsTopic open(
            DispatcherFixture dispatcher,
            String topic,
            String transactionalId,
            java.util.function.Consumer<OperationRecord> onRecord) {
        String bootstrap = dispatcher.broker().bootstrapServers();
        var consumer = new KafkaConsumer<>(
                Map.<String, Object>of("bootstrap.servers", bootstrap, "isolation.level", "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        var operations = new OperationsTopic(
                consumer,
                () -> new KafkaProducer<>(
                        Map.<String, Object>of(
                                "bootstrap.servers",
                                bootstrap,
                                "transactional.id",
                                transactionalId,
                                "max.block.ms",
                                10_000),
                        new ByteArraySerializer(),
                        new ByteArraySerializer()),
                topic,
                onRecord);
        operations.open(TIMEOUT);
        return operations;
    }
}
