package io.webhookdispatcher.app;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.EndpointHealth;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.operations.AutoDisable;
import io.webhookdispatcher.operations.OperationsTopic;
import io.webhookdispatcher.operations.OperationsWorker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Auto-disable's three parts, built together because they form a loop by nature: the {@link AutoDisable} decisions
 * are written to the compacted {@code topics.operations} by the {@link OperationsWorker}'s thread, and every record
 * read back from the topic (this replica's or another's) is applied by the same {@link AutoDisable}. The topic is
 * read only after {@link #open}, so the one forward reference below is never followed during construction.
 */
final class AutoDisableWiring {
    private static final Logger log = LoggerFactory.getLogger(AutoDisableWiring.class);

    private final String topic;
    private final OperationsTopic operations;
    private final OperationsWorker worker;
    private final AutoDisable autoDisable;

    private AutoDisableWiring(String topic, KafkaClients clients, Subscriptions subscriptions, Clock clock) {
        this.topic = topic;
        this.operations = new OperationsTopic(
                clients.operationsReader("webhook-dispatcher-operations"),
                clients::operationsProducer,
                topic,
                this::apply); // records are read only once open: autoDisable is set by then
        this.worker = new OperationsWorker(operations, this::opened);
        this.autoDisable = new AutoDisable(subscriptions, worker, clock, instance());
    }

    /** Empty without {@code topics.operations}: no subscription is ever auto-disabled. */
    static Optional<AutoDisableWiring> of(
            DispatcherConfig config, KafkaClients clients, Subscriptions subscriptions, Clock clock) {
        return config.topics().operations().map(topic -> new AutoDisableWiring(topic, clients, subscriptions, clock));
    }

    /** A record read from the topic, this replica's or another's. */
    private void apply(io.webhookdispatcher.operations.OperationRecord record) {
        autoDisable.apply(record);
    }

    /** The topic could be read only after start-up: its states apply from now. */
    private void opened() {
        autoDisable.applyAll(operations.states());
    }

    EndpointHealth health() {
        return autoDisable;
    }

    /** The admin API enabled a subscription: auto-disabled, it is enabled again. */
    void enable(String id) {
        autoDisable.enable(id, "admin-api");
    }

    /** A changed endpoint config enables a disabled subscription again. */
    void subscriptionsReloaded() {
        autoDisable.configChanged();
    }

    /**
     * Reads the subscriptions' states before any delivery, so a subscription disabled before a restart (or by another
     * replica) is not sent to, then tails the topic. A missing topic is a start-up error (a disable could be neither
     * shared nor kept); one that cannot be read now is retried in the background, so the other subscriptions are
     * delivered meanwhile.
     */
    void open(Admin admin, DispatcherConfig.Topics t) throws StartupException {
        TopicCheck.ensure(
                admin, List.of(topic), t.create(), 1, t.replicationFactor(), Map.of("cleanup.policy", "compact"));
        try {
            operations.open(Duration.ofSeconds(30));
            autoDisable.applyAll(operations.states());
        } catch (org.apache.kafka.common.KafkaException e) {
            // isolation first: the other subscriptions must not wait for this topic; its thread keeps trying
            log.warn(
                    "cannot read the operations topic {} ({}): delivering without auto-disable states until it can",
                    topic,
                    e.toString());
        }
        worker.start();
    }

    /** A write cut short is aborted, or fenced by the next writer. */
    void close(Duration timeout) {
        worker.close(timeout);
    }

    /** This replica's name in the operations topic: the pod's host name. */
    private static String instance() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }
}
