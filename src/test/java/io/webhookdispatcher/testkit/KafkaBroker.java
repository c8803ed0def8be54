package io.webhookdispatcher.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** A running single-node Kafka cluster for tests: in-process ({@link EmbeddedKafkaBroker}) or a container. */
public interface KafkaBroker extends AutoCloseable {

    /** The {@code bootstrap.servers} value for clients. */
    String bootstrapServers();

    /** Creates a topic with replication factor 1, and returns once it accepts writes; fails if it already exists. */
    default void createTopic(String name, int partitions) {
        createTopics(Map.of(name, partitions));
    }

    /**
     * Creates topics (name to partition count) with replication factor 1, and returns once every partition
     * accepts writes; fails if any topic already exists.
     */
    default void createTopics(Map<String, Integer> nameToPartitions) {
        List<NewTopic> topics = nameToPartitions.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                .toList();
        Map<TopicPartition, OffsetSpec> partitions = nameToPartitions.entrySet().stream()
                .flatMap(e -> IntStream.range(0, e.getValue()).mapToObj(p -> new TopicPartition(e.getKey(), p)))
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            // Created is not yet writable. The controller confirms before the broker has the new metadata, and
            // the broker serves that metadata before it leads the partitions: a producer writing then gets
            // NOT_LEADER_OR_FOLLOWER, and an idempotent one with several batches in flight can end in
            // OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout. So wait until the broker knows the topics
            // (describeTopics fails quietly until then; listOffsets would log an ERROR), then until each partition
            // leader answers ListOffsets (the Admin client retries NOT_LEADER_OR_FOLLOWER itself).
            while (true) {
                try {
                    admin.describeTopics(nameToPartitions.keySet())
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(20);
                }
            }
            admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topics " + nameToPartitions.keySet(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating topics " + nameToPartitions.keySet(), e);
        }
    }

    /** Stops the broker and releases its resources; does not throw checked exceptions. */
    @Override
    void close();
}
