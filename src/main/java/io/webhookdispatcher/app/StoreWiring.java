package io.webhookdispatcher.app;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.store.KeyFile;
import io.webhookdispatcher.store.SecretCipher;
import io.webhookdispatcher.store.StoreReport;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import io.webhookdispatcher.store.SubscriptionSet;
import io.webhookdispatcher.store.SubscriptionStore;
import io.webhookdispatcher.store.SubscriptionWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code topics.subscriptions}: the store that reads it and the set that applies its subscriptions together with the
 * config file's. Built with the other parts; {@link #open} reads the topic to its end before the dispatcher
 * delivers or reports ready, then follows it.
 */
final class StoreWiring {
    private static final Logger log = LoggerFactory.getLogger(StoreWiring.class);
    /** Reading 10,000 subscriptions takes about a second (SubscriptionStoreIT); a broker may be slower. */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(30);

    /** How long an API write may wait for the broker and for this replica to apply it. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final String topic;
    private final SubscriptionSet set;
    private final SubscriptionStore store;
    private final StoredSchema schema;
    private final KafkaClients clients;
    private final int maxPerWorkspace;
    private SubscriptionWriter writer;

    private StoreWiring(
            String topic,
            DispatcherConfig config,
            KafkaClients clients,
            Subscriptions subscriptions,
            DispatcherMetrics metrics,
            Clock clock,
            Runnable changed) {
        this.topic = topic;
        this.clients = clients;
        this.maxPerWorkspace = config.tenancy().maxSubscriptionsPerWorkspace();
        var report = new StoreReport(metrics, this::applied);
        this.set = new SubscriptionSet(subscriptions::replace, config.subscriptions(), report);
        var keys = new KeyFile(config.admin().encryptionKeyFile(), clock);
        this.schema = new StoredSchema(
                config.subscriptionDefaults(), new SecretCipher(keys, new SecureRandom()), topic, clock);
        this.store = new SubscriptionStore(
                clients.subscriptionsFollower("webhook-dispatcher-subscriptions"),
                topic,
                schema,
                usable -> {
                    set.stored(usable);
                    changed.run();
                },
                report,
                keys::generation);
    }

    /** Empty without {@code topics.subscriptions}: only the config file's subscriptions. */
    static Optional<StoreWiring> of(
            DispatcherConfig config,
            KafkaClients clients,
            Subscriptions subscriptions,
            DispatcherMetrics metrics,
            Clock clock,
            Runnable changed) {
        return config.topics()
                .subscriptions()
                .map(topic -> new StoreWiring(topic, config, clients, subscriptions, metrics, clock, changed));
    }

    /** The topic's subscriptions applied: the gauge, read at a scrape (so once this is built). */
    private int applied() {
        return set.appliedFromTopic();
    }

    /** What a hot reload of the file applies: its subscriptions together with the topic's. */
    Consumer<List<Subscription>> fileSubscriptions() {
        return set::file;
    }

    /**
     * The topic exists (created compacted when allowed, and checked to be compacted), is read to its end, and is
     * followed from then. A topic that cannot be read is a start-up error: without its subscriptions, their events
     * would be consumed and committed undelivered.
     */
    void open(org.apache.kafka.clients.admin.Admin admin, DispatcherConfig.Topics t) throws StartupException {
        TopicCheck.ensure(
                admin, List.of(topic), t.create(), 1, t.replicationFactor(), Map.of("cleanup.policy", "compact"));
        TopicCheck.requireCompacted(admin, topic);
        try {
            Duration took = store.open(OPEN_TIMEOUT);
            log.info(
                    "read {} subscriptions from {} in {} ms ({} applied)",
                    store.records().size(),
                    topic,
                    took.toMillis(),
                    set.appliedFromTopic());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new StartupException("cannot read the subscriptions topic " + topic + ": " + e.getMessage());
        }
        store.start(partitions -> endOffsets(admin, partitions));
    }

    /** Each partition's read_committed end offset: what a write's decision must have read. */
    private static Map<TopicPartition, Long> endOffsets(
            org.apache.kafka.clients.admin.Admin admin, List<TopicPartition> partitions) {
        var latest = new HashMap<TopicPartition, OffsetSpec>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            var answer = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all()
                    .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            var ends = new HashMap<TopicPartition, Long>();
            answer.forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("no end offsets of the subscriptions topic in " + WRITE_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }

    /**
     * The admin API's writer: decides on this replica's view of the topic (once it has read to the end) and returns
     * once the write is applied here. Not closed by the caller: it closes with this.
     */
    SubscriptionAdmin writer() {
        synchronized (this) {
            if (writer == null) {
                writer = new SubscriptionWriter(
                        store, clients::subscriptionsProducer, topic, schema, WRITE_TIMEOUT, false);
            }
            return writer;
        }
    }

    /** The edits a write decides with: the config file's subscriptions as they are now. */
    SubscriptionEdits edits(Clock clock) {
        return new SubscriptionEdits(schema, clock, set.file(), maxPerWorkspace);
    }

    /** The config file's subscription ids now ({@link SubscriptionSet#fileIds}). */
    java.util.Set<String> fileIds() {
        return set.fileIds();
    }

    StoredSchema schema() {
        return schema;
    }

    /** The subscriptions of the topic this replica applies now (for the API's health of one). */
    SubscriptionStore store() {
        return store;
    }

    void close() {
        synchronized (this) {
            if (writer != null) {
                writer.close();
            }
        }
        store.close();
    }

    /** For the {@code subscriptions} command: the topic read to its end, written through the transactional writer. */
    static SubscriptionAdmin admin(DispatcherConfig config) {
        String topic = config.topics().subscriptions().orElseThrow();
        var clients = new KafkaClients(config.kafka());
        var keys = new KeyFile(config.admin().encryptionKeyFile(), Clock.systemUTC());
        var schema = new StoredSchema(config.subscriptionDefaults(), new SecretCipher(keys, new SecureRandom()), topic);
        var reader = new SubscriptionStore(
                clients.operationsReader("webhook-dispatcher-subscriptions-cli"),
                topic,
                schema,
                SubscriptionStore.Listener.NONE,
                StoreReport.quiet(),
                keys::generation);
        try {
            reader.open(CLI_TIMEOUT);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
        return new SubscriptionWriter(reader, clients::subscriptionsProducer, topic, schema, CLI_TIMEOUT, true);
    }
}
