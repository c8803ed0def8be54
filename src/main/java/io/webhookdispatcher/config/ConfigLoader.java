package io.webhookdispatcher.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.webhookdispatcher.config.ConfigKeys.Delivery;
import io.webhookdispatcher.config.ConfigKeys.Kafka;
import io.webhookdispatcher.config.ConfigKeys.Management;
import io.webhookdispatcher.config.ConfigKeys.Metrics;
import io.webhookdispatcher.config.ConfigKeys.Reload;
import io.webhookdispatcher.config.ConfigKeys.Retry;
import io.webhookdispatcher.config.ConfigKeys.Shutdown;
import io.webhookdispatcher.config.ConfigKeys.Tenancy;
import io.webhookdispatcher.config.ConfigKeys.Topics;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Subscription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the YAML config file into a validated {@link DispatcherConfig}, key by key through the declarations of
 * {@link ConfigKeys} and {@link SubscriptionSchema}. Every problem is collected, not just the first, and each names
 * the file, the key path (subscriptions by id) and the field. Environment variables are read through an injected
 * function, once, while loading.
 *
 * <p>{@code ${VAR}} is expanded only where credentials and endpoints live ({@link Expansion#EXPANDED_IN}; the
 * threat model in docs/security.md says why): whoever edits the file chooses destinations but must not read the pod's other
 * secrets. Errors quote the file as written (the template), never an expanded value, and as a second line of
 * defence every value read from the environment is masked in every error and warning.
 */
public final class ConfigLoader {
    /** Environment variable that overrides {@code kafka.bootstrapServers}. */
    public static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";

    // A second value for a key would silently win: an edited secret, say, that is overridden further down.
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private final Function<String, String> env;
    private final Consumer<String> warn;

    /** A loader that logs each warning of each load. */
    public ConfigLoader(Function<String, String> env) {
        this(env, warning -> log.warn("{}", warning));
    }

    /** @param warn what to do with each warning of each load, masked: {@code validate-config} prints them instead */
    public ConfigLoader(Function<String, String> env, Consumer<String> warn) {
        this.env = Objects.requireNonNull(env, "env");
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    /** A valid config, and the warnings about it (already logged), masked. */
    public record Loaded(DispatcherConfig config, List<String> warnings) {
        public Loaded {
            Objects.requireNonNull(config, "config");
            warnings = List.copyOf(warnings);
        }
    }

    public DispatcherConfig load(Path file) throws ConfigException {
        return read(file).config();
    }

    /** As {@link #load}, with the warnings ({@code validate-config} prints them). */
    public Loaded read(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return read(text, file.toString());
    }

    public DispatcherConfig parse(String yaml, String source) throws ConfigException {
        return read(yaml, source).config();
    }

    /** As {@link #parse}, with the warnings. */
    public Loaded read(String yaml, String source) throws ConfigException {
        var aliases = new ConfigErrors(source);
        YamlAliases.check(yaml, aliases);
        aliases.throwIfAny();
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            // Jackson's own message quotes the text around the error: the location is enough.
            throw new ConfigException(
                    e instanceof JsonProcessingException j && j.getLocation() != null
                            ? source + ": line " + j.getLocation().getLineNr() + ": not valid YAML: "
                                    + j.getOriginalMessage()
                            : source + ": not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + ": must be a YAML mapping with a 'subscriptions' list");
        }
        var errors = new ConfigErrors(source);
        var top = new Node((ObjectNode) root, "", errors, env);
        DispatcherConfig config = read(top);
        top.rejectUnknownKeys();
        errors.throwIfAny();
        ConfigWarnings.check(config, errors);
        List<String> warnings = errors.warnings();
        warnings.forEach(warn);
        return new Loaded(config, warnings);
    }

    private DispatcherConfig read(Node top) {
        DispatcherConfig.Kafka kafka = kafka(top);
        var topics = section(top, Topics.SECTION, ConfigLoader::topics);
        DeliverySection delivery = section(top, Delivery.SECTION, ConfigLoader::delivery);
        var retry = section(top, Retry.SECTION, ConfigLoader::retry);
        var management = section(
                top,
                Management.SECTION,
                m -> new DispatcherConfig.Management(
                        Management.ADDRESS.read(m), Management.PORT.read(m), Management.LIVENESS_TIMEOUT.read(m)));
        var shutdown = section(top, Shutdown.SECTION, s -> new DispatcherConfig.Shutdown(Shutdown.TIMEOUT.read(s)));
        var reload = section(top, Reload.SECTION, r -> new DispatcherConfig.Reload(Reload.INTERVAL.read(r)));
        var metrics = section(
                top,
                Metrics.SECTION,
                m -> new DispatcherConfig.Metrics(
                        Metrics.EVENT_TYPE_LABEL.read(m), Metrics.SUBSCRIPTION_LABELS.read(m)));
        var tenancy = section(
                top,
                Tenancy.SECTION,
                t -> new DispatcherConfig.Tenancy(
                        Tenancy.WORKSPACE_FIELD.read(t),
                        Tenancy.MAX_SUBSCRIPTIONS_PER_WORKSPACE.read(t),
                        Tenancy.MAX_IN_FLIGHT_PER_WORKSPACE.read(t)));
        var routing = section(
                top,
                ConfigKeys.Routing.SECTION,
                r -> new DispatcherConfig.Routing(ConfigKeys.Routing.EXACT_ONLY.read(r)));
        var ingest = IngestSection.read(top, management.port());
        var admin = AdminSection.read(
                top, management.port(), ingest.port(), topics.subscriptions().isPresent());
        var schema = new SubscriptionSchema(env, delivery.subscriptionDefaults());
        List<Subscription> subscriptions = subscriptions(top, schema);
        SubscriptionSchema.checkWorkspaceLimit(subscriptions, tenancy.maxSubscriptionsPerWorkspace(), top);
        return new DispatcherConfig(
                kafka,
                topics,
                delivery.settings(),
                retry,
                management,
                admin,
                shutdown,
                reload,
                tenancy,
                routing,
                metrics,
                ingest,
                subscriptions,
                delivery.subscriptionDefaults());
    }

    /** The section's values, then its unknown keys reported. */
    private static <T> T section(Node top, ConfigKey<Void> section, Function<Node, T> read) {
        Node node = top.section(section.name());
        T value = read.apply(node);
        node.rejectUnknownKeys();
        return value;
    }

    private DispatcherConfig.Kafka kafka(Node top) {
        Node k = top.section(Kafka.SECTION.name());
        String bootstrap = Kafka.BOOTSTRAP_SERVERS.read(k);
        String override = env.apply(BOOTSTRAP_ENV);
        var kafka = new DispatcherConfig.Kafka(
                override == null || override.isBlank() ? bootstrap : override,
                Kafka.GROUP_ID.read(k),
                Kafka.START_FROM.read(k),
                Kafka.PROPERTIES.read(k));
        k.rejectUnknownKeys();
        for (KafkaClientSettings.Problem p : KafkaClientSettings.check(kafka)) {
            String key = p.property() == null ? Kafka.PROPERTIES.name() : Kafka.PROPERTIES.name() + "." + p.property();
            if (p.warning()) {
                k.warn(key, p.message());
            } else {
                k.error(key, p.message());
            }
        }
        return kafka;
    }

    private static DispatcherConfig.Topics topics(Node t) {
        return new DispatcherConfig.Topics(
                Topics.EVENTS.read(t),
                Topics.RETRY.read(t),
                Topics.DEAD_LETTER.read(t),
                Topics.CREATE.read(t),
                Topics.PARTITIONS.read(t),
                Topics.REPLICATION_FACTOR.read(t),
                Topics.ATTEMPTS.read(t),
                Topics.ATTEMPTS_RETENTION.read(t),
                Topics.OPERATIONS.read(t),
                Topics.SUBSCRIPTIONS.read(t));
    }

    /** The delivery section: its settings, and what each subscription takes from it unless it sets its own. */
    private record DeliverySection(
            DispatcherConfig.Delivery settings, SubscriptionSchema.Defaults subscriptionDefaults) {}

    private static DeliverySection delivery(Node d) {
        int maxEventBytes = Delivery.MAX_EVENT_BYTES.read(d);
        long maxQueuedBytes = Delivery.MAX_QUEUED_BYTES_PER_SUBSCRIPTION.read(d);
        if (maxQueuedBytes < maxEventBytes) {
            d.error(
                    Delivery.MAX_QUEUED_BYTES_PER_SUBSCRIPTION.name(),
                    "must be at least delivery.maxEventBytes (" + maxEventBytes + ")");
        }
        var settings = new DispatcherConfig.Delivery(
                Delivery.REQUEST_TIMEOUT.read(d),
                Delivery.CONNECT_TIMEOUT.read(d),
                Delivery.MAX_IN_FLIGHT.read(d),
                Delivery.MAX_IN_FLIGHT_PER_SUBSCRIPTION.read(d),
                maxEventBytes,
                Delivery.MAX_QUEUED_PER_SUBSCRIPTION.read(d),
                maxQueuedBytes,
                Delivery.MAX_BUFFERED_BYTES.read(
                        d,
                        DispatcherConfig.Delivery.defaultBufferedBytes(
                                Runtime.getRuntime().maxMemory())),
                Delivery.MAX_QUEUE_DELAY.read(d),
                Delivery.CIRCUIT_BREAKER.read(d),
                new DestinationGuard(Delivery.ALLOWED_NETWORKS.read(d), Delivery.REQUIRE_HTTPS.read(d)));
        var subscriptionDefaults = new SubscriptionSchema.Defaults(
                settings.destinations(),
                settings.maxInFlightPerSubscription(),
                settings.circuitBreaker(),
                Delivery.TLS.read(d),
                Delivery.AUTO_DISABLE_AFTER.read(d));
        return new DeliverySection(settings, subscriptionDefaults);
    }

    private static DispatcherConfig.Retry retry(Node r) {
        return new DispatcherConfig.Retry(
                Retry.SCHEDULE.read(r),
                Retry.JITTER.read(r),
                Retry.MAX_JITTER.read(r),
                Retry.MAX_RETRY_AFTER.read(r),
                Retry.PERMANENT_STATUSES.read(r));
    }

    /** Each subscription through the schema, named by its id, or by its index where the id is missing or taken. */
    private static List<Subscription> subscriptions(Node top, SubscriptionSchema schema) {
        String key = SubscriptionSchema.SUBSCRIPTIONS.name();
        JsonNode list = top.take(key);
        if (list == null || !list.isArray()) {
            top.error(key, "is required: a list of subscriptions");
            return List.of();
        }
        var result = new ArrayList<Subscription>();
        var ids = new HashSet<String>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            JsonNode id = node.get(SubscriptionSchema.ID.name());
            String label = id != null && id.isTextual() && !ids.contains(id.asText()) ? id.asText() : String.valueOf(i);
            schema.parse(node, key + "[" + label + "]", top.errors(), ids::add).ifPresent(result::add);
        }
        return result;
    }
}
