package io.webhookdispatcher.config;

import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.event.EventType;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration, immutable and validated by {@link ConfigLoader}. Each nested record is one
 * section of the YAML file; docs/configuration.md lists every key with its default.
 */
public record DispatcherConfig(
        Kafka kafka,
        Topics topics,
        Delivery delivery,
        Retry retry,
        Management management,
        Admin admin,
        Shutdown shutdown,
        Reload reload,
        Tenancy tenancy,
        Routing routing,
        Metrics metrics,
        Ingest ingest,
        List<Subscription> subscriptions,
        SubscriptionSchema.Defaults subscriptionDefaults) {

    public DispatcherConfig {
        Objects.requireNonNull(ingest, "ingest");
        subscriptions = List.copyOf(subscriptions);
        Objects.requireNonNull(subscriptionDefaults, "subscriptionDefaults");
    }

    /** A copy with other subscriptions: what a hot reload applies. */
    public DispatcherConfig withSubscriptions(List<Subscription> next) {
        return new DispatcherConfig(
                kafka,
                topics,
                delivery,
                retry,
                management,
                admin,
                shutdown,
                reload,
                tenancy,
                routing,
                metrics,
                ingest,
                next,
                subscriptionDefaults);
    }

    /** Everything but the subscriptions: the settings that need a restart to change. */
    public DispatcherConfig withoutSubscriptions() {
        return withSubscriptions(List.of());
    }

    /**
     * @param startFrom where the events topic's group starts a partition it has no committed offset for; the
     *                  retry topics' group always starts from the earliest offset, so that no retry is skipped
     */
    public record Kafka(String bootstrapServers, String groupId, StartFrom startFrom, Map<String, String> properties) {
        public Kafka {
            Objects.requireNonNull(startFrom, "startFrom");
            properties = Map.copyOf(properties);
        }

        /** {@code kafka.startFrom}: Kafka's {@code auto.offset.reset} for a group's partitions without an offset. */
        public enum StartFrom {
            /** Only what is written after the group first joined (Knative's KafkaSource default). */
            LATEST,
            /** Everything the topic still retains. */
            EARLIEST;

            /** The {@code auto.offset.reset} value. */
            public String resetPolicy() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        /** Masks the values of Kafka's password keys and of keys no Kafka client defines (a plugin's). */
        @Override
        public String toString() {
            return "Kafka[bootstrapServers=" + bootstrapServers + ", groupId=" + groupId + ", startFrom="
                    + startFrom.resetPolicy() + ", properties=" + KafkaClientSettings.masked(properties) + "]";
        }
    }

    /**
     * @param attempts          the delivery log ({@code topics.attempts}): every attempt's outcome as JSON; empty: off
     * @param attemptsRetention how long the attempts topic keeps records, when the dispatcher creates it
     * @param operations        the compacted topic of subscription states (auto-disable); empty: auto-disable off
     * @param subscriptions     the compacted topic of subscriptions managed at run time; empty: only the file's
     */
    public record Topics(
            String events,
            String retry,
            String deadLetter,
            boolean create,
            int partitions,
            short replicationFactor,
            java.util.Optional<String> attempts,
            Duration attemptsRetention,
            java.util.Optional<String> operations,
            java.util.Optional<String> subscriptions) {}

    /**
     * @param maxQueuedPerSubscription      deliveries one subscription may hold waiting for a permit; beyond, deferred
     * @param maxQueuedBytesPerSubscription bytes of bodies one subscription may hold waiting
     * @param maxBufferedBytes              bytes of consumed records whose work is unfinished, in all (the memory bound)
     * @param maxQueueDelay                 a subscription whose queue would take longer to drain is slow: not waited for
     * @param circuitBreaker                the default breaker; subscriptions may override any field
     * @param destinations                  {@code allowedNetworks} and {@code requireHttps}: where webhooks may go
     */
    public record Delivery(
            Duration requestTimeout,
            Duration connectTimeout,
            int maxInFlight,
            int maxInFlightPerSubscription,
            int maxEventBytes,
            int maxQueuedPerSubscription,
            long maxQueuedBytesPerSubscription,
            long maxBufferedBytes,
            Duration maxQueueDelay,
            CircuitBreaker.Settings circuitBreaker,
            DestinationGuard destinations) {

        /**
         * {@code maxBufferedBytes} unless configured: an eighth of the heap, from 16 to 64 MiB. Measured with 1 MB
         * events, fan-out 4 and a hung endpoint (MemoryFootprintIT): a 256 MiB heap ran out with 40 MiB buffered
         * and held with 32 MiB; G1 needs that much room around large arrays.
         */
        public static long defaultBufferedBytes(long maxHeapBytes) {
            return Math.max(16L << 20, Math.min(64L << 20, maxHeapBytes / 8));
        }
    }

    /** @param maxJitter the jitter's bound in time, whatever the fraction: keeps each retry topic due-ordered */
    public record Retry(
            List<Duration> schedule,
            double jitter,
            Duration maxJitter,
            Duration maxRetryAfter,
            Set<Integer> permanentStatuses) {
        public Retry {
            schedule = List.copyOf(schedule);
            permanentStatuses = Set.copyOf(permanentStatuses);
        }

        /** Attempts in all: the first one plus one per schedule step. */
        public int maxAttempts() {
            return schedule.size() + 1;
        }
    }

    /** @param address the interface to bind: {@code 0.0.0.0} (every one, the default) or e.g. {@code 127.0.0.1} */
    public record Management(String address, int port, Duration livenessTimeout) {
        public Management {
            Objects.requireNonNull(address, "address");
        }
    }

    /**
     * The admin API ({@code /v1/subscriptions}) and the keys of the secrets it stores.
     *
     * @param port              empty: no admin API (the default)
     * @param address           the interface to bind, as {@code management.address}
     * @param tokensFile        the bearer tokens the API accepts, one per line; required with a port
     * @param encryptionKeyFile the keys that encrypt the signing secrets kept in {@code topics.subscriptions}, one
     *                          {@code <keyId>=<base64 of 32 bytes>} per line, the first one encrypting; empty: none
     */
    public record Admin(
            Optional<Integer> port,
            String address,
            Optional<java.nio.file.Path> tokensFile,
            Optional<java.nio.file.Path> encryptionKeyFile) {
        public static final Admin OFF = new Admin(Optional.empty(), "0.0.0.0", Optional.empty(), Optional.empty());

        public Admin {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(tokensFile, "tokensFile");
            Objects.requireNonNull(encryptionKeyFile, "encryptionKeyFile");
        }
    }

    /**
     * The ingest port ({@code POST /ingest/{source}}): the CRM's webhooks into the events topic.
     *
     * @param port    empty: off (the default)
     * @param address the interface to bind, as {@code management.address}
     */
    public record Ingest(Optional<Integer> port, String address, List<IngestSource> sources) {
        public static final Ingest OFF = new Ingest(Optional.empty(), "0.0.0.0", List.of());

        public Ingest {
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(address, "address");
            sources = List.copyOf(sources);
        }
    }

    /**
     * One sender of webhooks into the ingest port, such as one CRM installation.
     *
     * @param signing  how its requests are signed: {@code twenty} or {@code standard-webhooks}, and its secrets, any
     *                 of which verifies (more than one during a rotation)
     * @param keyField the JSON pointer of the Kafka key in the body; {@code /workspaceId} where it is absent
     */
    public record IngestSource(String id, Signing signing, String keyField) {
        public IngestSource {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(signing, "signing");
            Objects.requireNonNull(keyField, "keyField");
        }

        @Override
        public String toString() { // Signing's secrets print as ****, but its file path is enough
            return "IngestSource[id=" + id + ", signature=" + signing.scheme().configName() + ", secrets="
                    + signing.secrets().size() + ", keyField=" + keyField + "]";
        }
    }

    public record Shutdown(Duration timeout) {}

    public record Reload(Duration interval) {}

    /**
     * @param workspaceField             the JSON pointer of an event's workspace id
     * @param maxSubscriptionsPerWorkspace how many subscriptions one workspace may have
     * @param maxInFlightPerWorkspace     concurrent requests of one workspace's subscriptions together
     */
    public record Tenancy(String workspaceField, int maxSubscriptionsPerWorkspace, int maxInFlightPerWorkspace) {
        public static final Tenancy DEFAULTS = new Tenancy("/workspaceId", 20, 64);
    }

    /**
     * @param exactOnly the event types that reach only a subscription naming them exactly ({@code routing.exactOnly}):
     *                  the CRM keeps {@code workflowRun.updated} from its {@code *.*} webhooks
     */
    public record Routing(List<EventType> exactOnly) {
        public Routing {
            exactOnly = List.copyOf(exactOnly);
        }
    }

    /**
     * @param eventTypeLabel     whether delivery metrics carry the {@code event_type} label
     * @param subscriptionLabels which subscriptions get series of their own
     */
    public record Metrics(boolean eventTypeLabel, SubscriptionLabels subscriptionLabels) {
        /** {@code metrics.subscriptionLabels}. */
        public enum SubscriptionLabels {
            /** Every subscription its own series (about 80 each). */
            ALL("all"),
            /** None: every subscription's metrics under {@code subscription="all"}. */
            NONE("none"),
            /**
             * The first 100 subscriptions without a workspaceId (the operator's) their own, any beyond together under
             * {@code (others)}; workspace-scoped ones together under {@code (workspaces)}, with the workspaces whose
             * subscriptions fail most as a top 10.
             */
            UNSCOPED("unscoped");

            public final String configName;

            SubscriptionLabels(String configName) {
                this.configName = configName;
            }
        }
    }
}
