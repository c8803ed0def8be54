package io.webhookdispatcher.app;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Start-up check that the topics the dispatcher reads and writes exist; creates them if allowed. */
final class TopicCheck {
    private static final Logger log = LoggerFactory.getLogger(TopicCheck.class);

    private TopicCheck() {}

    /**
     * The events, retry and dead-letter topics (and the attempts topic, if set) exist, created when {@code
     * topics.create} allows it, and the topics the dispatcher writes accept its largest record: the largest event plus
     * its retry and dead-letter headers.
     */
    static void prepare(
            Admin admin, io.webhookdispatcher.config.DispatcherConfig config, Collection<String> retryTopics)
            throws StartupException {
        var t = config.topics();
        var all = new ArrayList<>(List.of(t.events(), t.deadLetter()));
        all.addAll(retryTopics);
        int recordBytes = config.delivery().maxEventBytes() + KafkaClients.HEADER_HEADROOM;
        List<String> created = ensure(
                admin,
                all,
                t.create(),
                t.partitions(),
                t.replicationFactor(),
                java.util.Map.of("max.message.bytes", String.valueOf(recordBytes)));
        var written = new ArrayList<>(retryTopics);
        written.add(t.deadLetter());
        written.removeAll(created); // created just now, with that limit
        requireRecordSize(admin, written, recordBytes);
        if (t.attempts().isPresent()) {
            ensureOptional(
                    admin,
                    t.attempts().get(),
                    t.create(),
                    t.partitions(),
                    t.replicationFactor(),
                    java.util.Map.of(
                            "retention.ms", String.valueOf(t.attemptsRetention().toMillis())));
        }
    }

    /** @return the topics it created (with {@code topicConfig}) */
    static List<String> ensure(
            Admin admin,
            Collection<String> topics,
            boolean create,
            int partitions,
            short replication,
            java.util.Map<String, String> topicConfig)
            throws StartupException {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> missing = new ArrayList<>(topics);
            missing.removeAll(existing);
            if (missing.isEmpty()) {
                return List.of();
            }
            if (!create) {
                throw new StartupException("missing Kafka topics " + missing
                        + ": create them, or set topics.create: true to let the dispatcher create them");
            }
            var newTopics = missing.stream()
                    .map(t -> new NewTopic(t, partitions, replication).configs(topicConfig))
                    .toList();
            try {
                admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // another replica creating them at the same time is fine
                }
            }
            awaitWritable(admin, missing, partitions);
            log.info("created topics {} ({} partitions, replication factor {})", missing, partitions, replication);
            return missing;
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupException("cannot check Kafka topics: " + (e.getCause() != null ? e.getCause() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking Kafka topics");
        }
    }

    /**
     * A topic the dispatcher could run without (the delivery log): created if allowed, else a missing one is only
     * a warning — its records are then dropped and counted, and deliveries go on.
     */
    static void ensureOptional(
            Admin admin, String topic, boolean create, int partitions, short replication, Map<String, String> config)
            throws StartupException {
        if (create) {
            ensure(admin, List.of(topic), true, partitions, replication, config);
            return;
        }
        try {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                log.warn(
                        "the attempts topic {} does not exist: create it (or set topics.create: true); until then"
                                + " the delivery log is dropped and counted, deliveries go on",
                        topic);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupException("cannot check Kafka topics: " + (e.getCause() != null ? e.getCause() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking Kafka topics");
        }
    }

    /**
     * Created is not yet writable: a broker can serve the new topic's metadata before it leads its partitions, and
     * an idempotent producer writing then can be answered NOT_LEADER for one batch and accepted for the next, and
     * then fail that partition with OutOfOrderSequence until its delivery timeout (seen in IsolationIT: two
     * minutes of failed writes to a retry topic created a second earlier). So wait until every partition's leader
     * answers (the Admin client retries NOT_LEADER itself).
     */
    private static void awaitWritable(Admin admin, List<String> created, int partitions)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.describeTopics(created).allTopicNames().get(30, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50); // start-up only: the broker has not seen its own new topic yet
            }
        }
        var latest = new java.util.HashMap<org.apache.kafka.common.TopicPartition, OffsetSpec>();
        for (String topic : created) {
            for (int p = 0; p < partitions; p++) {
                latest.put(new org.apache.kafka.common.TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
    }

    /**
     * Refuses to start when a topic the dispatcher writes to would reject its largest record: a retry or dead
     * letter carries the event's value (up to {@code delivery.maxEventBytes}) plus headers, and a write that can
     * never succeed would hold its offset back for ever.
     */
    static void requireRecordSize(Admin admin, Collection<String> topics, int needBytes) throws StartupException {
        var resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                .toList();
        if (resources.isEmpty()) {
            return;
        }
        try {
            Map<ConfigResource, Config> configs = describe(admin, resources);
            var tooSmall = new ArrayList<String>();
            configs.forEach((resource, config) -> {
                ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (entry != null && entry.value() != null && Long.parseLong(entry.value()) < needBytes) {
                    tooSmall.add(resource.name() + " (" + entry.value() + ")");
                }
            });
            if (!tooSmall.isEmpty()) {
                tooSmall.sort(null);
                throw new StartupException("topics " + tooSmall + " accept smaller records than a retry or dead"
                        + " letter of the largest event (delivery.maxEventBytes + 64 KiB of headers = " + needBytes
                        + " bytes): raise their max.message.bytes to at least " + needBytes
                        + ", or lower delivery.maxEventBytes");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupException("cannot read Kafka topic configs: " + (e.getCause() != null ? e.getCause() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while reading Kafka topic configs");
        }
    }

    /**
     * Refuses to start on a topic that is not compacted: the subscriptions topic holds the last record of each
     * subscription for ever; with deletion, subscriptions would vanish when their record ages out.
     */
    static void requireCompacted(Admin admin, String topic) throws StartupException {
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            ConfigEntry policy =
                    describe(admin, List.of(resource)).get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String value = policy == null || policy.value() == null ? "" : policy.value();
            if (!List.of(value.split("\\s*,\\s*")).contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                throw new StartupException("topic " + topic + " has cleanup.policy=" + value + ": it must be compacted"
                        + " (kafka-configs --alter --entity-type topics --entity-name " + topic
                        + " --add-config cleanup.policy=compact), or its subscriptions vanish with retention");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupException("cannot read Kafka topic configs: " + (e.getCause() != null ? e.getCause() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while reading Kafka topic configs");
        }
    }

    /** A topic another replica has just created may not be known to every broker for a moment. */
    private static Map<ConfigResource, Config> describe(Admin admin, List<ConfigResource> resources)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
