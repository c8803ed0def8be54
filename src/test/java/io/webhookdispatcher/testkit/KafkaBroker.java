package io.webhookdispatcher.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** A running single-node Kafka cluster for tests: in-process ({@link EmbeddedKafkaBroker}) or a container. */
public interface KafkaBroker extends AutoCloseable {

    /** The {@code bootstrap.servers} value for clients. */
    String bootstrapServers();

    /** Creates a topic with replication factor 1; fails if it already exists. */
    default void createTopic(String name, int partitions) {
        createTopics(Map.of(name, partitions));
    }

    /** Creates topics (name to partition count) with replication factor 1; fails if any already exists. */
    default void createTopics(Map<String, Integer> nameToPartitions) {
        List<NewTopic> topics = nameToPartitions.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                .toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
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
