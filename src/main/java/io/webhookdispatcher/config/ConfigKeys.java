package io.webhookdispatcher.config;

import static io.webhookdispatcher.config.ConfigKey.Type.LIST;
import static io.webhookdispatcher.config.ConfigKey.Type.LIST_OF_MAPPINGS;
import static io.webhookdispatcher.config.ConfigKey.Type.MAPPING;
import static io.webhookdispatcher.config.ConfigKey.bool;
import static io.webhookdispatcher.config.ConfigKey.choice;
import static io.webhookdispatcher.config.ConfigKey.define;
import static io.webhookdispatcher.config.ConfigKey.duration;
import static io.webhookdispatcher.config.ConfigKey.fraction;
import static io.webhookdispatcher.config.ConfigKey.mapping;
import static io.webhookdispatcher.config.ConfigKey.positiveInt;
import static io.webhookdispatcher.config.ConfigKey.string;

import io.webhookdispatcher.config.DispatcherConfig.Kafka.StartFrom;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.Network;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.event.EventMatching;
import io.webhookdispatcher.event.EventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every key of the config file's sections, declared once; {@link SubscriptionSchema} declares the subscriptions'.
 * {@link #ROOT} is the whole file, and {@link #reference()} lists it as docs/configuration.md's reference table does.
 */
public final class ConfigKeys {
    private ConfigKeys() {}

    static final class Kafka {
        static final ConfigKey<String> BOOTSTRAP_SERVERS = define(
                        "bootstrapServers", ConfigKey.Type.STRING, Values::bootstrapServers)
                .defaultsTo("localhost:9092")
                .expands(Expansion.WHOLE)
                .doc("Kafka bootstrap servers, host:port,…; " + ConfigLoader.BOOTSTRAP_ENV + " wins.");
        static final ConfigKey<String> GROUP_ID =
                string("groupId", "webhook-dispatcher", "Consumer group of the events topic.");
        static final ConfigKey<StartFrom> START_FROM = choice("startFrom", StartFrom.values(), StartFrom::resetPolicy)
                .defaultsTo(StartFrom.LATEST, StartFrom.LATEST.resetPolicy())
                .doc("Where the events topic's group starts on a partition without a committed offset.");
        static final ConfigKey<Map<String, String>> PROPERTIES = define("properties", MAPPING, Values::kafkaProperties)
                .defaultsTo(Map.of())
                .expands(Expansion.KAFKA)
                .doc("Passed to every Kafka client; checked against the clients' own definitions.");
        static final ConfigKey<Void> SECTION =
                mapping("kafka", "The Kafka clients.", List.of(BOOTSTRAP_SERVERS, GROUP_ID, START_FROM, PROPERTIES));
    }

    static final class Topics {
        static final ConfigKey<String> EVENTS = string("events", "crm.events", "The topic the CRM publishes to.");
        static final ConfigKey<String> RETRY =
                string("retry", "crm.events.retry", "Base name of the retry topics, one per distinct delay.");
        static final ConfigKey<String> DEAD_LETTER = string("deadLetter", "crm.events.dlt", "The dead-letter topic.");
        static final ConfigKey<Boolean> CREATE = bool("create", false, "Create missing topics at start-up.");
        static final ConfigKey<Integer> PARTITIONS =
                positiveInt("partitions", 6, "Partitions for topics the dispatcher creates.");
        static final ConfigKey<Short> REPLICATION_FACTOR = define(
                        "replicationFactor", ConfigKey.Type.INTEGER, Values::replicationFactor)
                .defaultsTo((short) 3)
                .doc("Replication factor for topics the dispatcher creates.");
        static final ConfigKey<Optional<String>> ATTEMPTS =
                optionalTopic("attempts", "The delivery log: every attempt's outcome, keyed by webhook-id.");
        static final ConfigKey<Duration> ATTEMPTS_RETENTION = duration(
                "attemptsRetention", "7d", "retention.ms of the attempts topic when the dispatcher creates it.");
        static final ConfigKey<Optional<String>> OPERATIONS =
                optionalTopic("operations", "The compacted topic of subscription states that makes auto-disable work.");
        static final ConfigKey<Optional<String>> SUBSCRIPTIONS = optionalTopic(
                "subscriptions", "The compacted topic of subscriptions managed at run time, next to the file's.");
        static final ConfigKey<Void> SECTION = mapping(
                "topics",
                "The topics read and written.",
                List.of(
                        EVENTS,
                        RETRY,
                        DEAD_LETTER,
                        CREATE,
                        PARTITIONS,
                        REPLICATION_FACTOR,
                        ATTEMPTS,
                        ATTEMPTS_RETENTION,
                        OPERATIONS,
                        SUBSCRIPTIONS));

        private static ConfigKey<Optional<String>> optionalTopic(String name, String doc) {
            return define(name, ConfigKey.Type.STRING, Values::optionalString)
                    .describedDefault(Optional.empty(), "unset (off)")
                    .doc(doc);
        }
    }

    /** The breaker's keys, under {@code delivery.circuitBreaker} and each {@code subscriptions[].circuitBreaker}. */
    static final class Breaker {
        static final ConfigKey<Boolean> ENABLED = bool("enabled", true, "A circuit breaker per subscription.");
        static final ConfigKey<Integer> FAILURE_THRESHOLD =
                positiveInt("failureThreshold", 5, "Consecutive failures that open it.");
        static final ConfigKey<Double> FAILURE_RATIO =
                fraction("failureRatio", 0.5, "It also opens when this share of the last window attempts failed.");
        static final ConfigKey<Integer> WINDOW = positiveInt("window", 50, "The attempts failureRatio looks at.");
        static final ConfigKey<Integer> MINIMUM_ATTEMPTS =
                positiveInt("minimumAttempts", 20, "Attempts seen before failureRatio applies.");
        static final ConfigKey<Duration> OPEN_DURATION =
                duration("openDuration", "5s", "The first cool-down before one probe; doubles after a failed probe.");
        static final ConfigKey<Duration> MAX_OPEN_DURATION =
                duration("maxOpenDuration", "5m", "The longest cool-down.");
        static final List<ConfigKey<?>> FIELDS = List.of(
                ENABLED, FAILURE_THRESHOLD, FAILURE_RATIO, WINDOW, MINIMUM_ATTEMPTS, OPEN_DURATION, MAX_OPEN_DURATION);

        /** The breaker of the declared defaults. */
        static CircuitBreaker.Settings defaults() {
            return new CircuitBreaker.Settings(
                    ENABLED.defaultValue(),
                    FAILURE_THRESHOLD.defaultValue(),
                    FAILURE_RATIO.defaultValue(),
                    WINDOW.defaultValue(),
                    MINIMUM_ATTEMPTS.defaultValue(),
                    OPEN_DURATION.defaultValue(),
                    MAX_OPEN_DURATION.defaultValue());
        }
    }

    /** The TLS keys, under {@code delivery.tls} and each {@code subscriptions[].tls}: a CA half and a client half. */
    static final class TlsKeys {
        static final ConfigKey<String> CA_FILE = ConfigKey.<String>define("caFile", ConfigKey.Type.STRING, Node::string)
                .none()
                .doc("A PEM file of the CA certificates that may sign the receiver's certificate.");
        static final ConfigKey<Tls.Trust> TRUST = choice("trust", Tls.Trust.values(), t -> t.label)
                .defaultsTo(Tls.Trust.SYSTEM_AND_CA, Tls.Trust.SYSTEM_AND_CA.label)
                .doc("With caFile: system+ca trusts the JVM's CAs and the file's, ca-only only the file's.");
        static final ConfigKey<String> CERT_FILE = ConfigKey.<String>define(
                        "certFile", ConfigKey.Type.STRING, Node::string)
                .none()
                .doc("A client certificate for mTLS: a PEM chain, leaf first.");
        static final ConfigKey<String> KEY_FILE = ConfigKey.<String>define(
                        "keyFile", ConfigKey.Type.STRING, Node::string)
                .none()
                .doc("The client certificate's unencrypted PKCS#8 private key, RSA or EC.");
        static final List<ConfigKey<?>> FIELDS = List.of(CA_FILE, TRUST, CERT_FILE, KEY_FILE);
    }

    static final class Delivery {
        static final ConfigKey<Duration> REQUEST_TIMEOUT =
                duration("requestTimeout", "10s", "Whole-request timeout, response body included.");
        static final ConfigKey<Duration> CONNECT_TIMEOUT = duration("connectTimeout", "5s", "TCP/TLS connect timeout.");
        static final ConfigKey<Integer> MAX_IN_FLIGHT =
                positiveInt("maxInFlight", 256, "Concurrent HTTP requests across all subscriptions.");
        static final ConfigKey<Integer> MAX_IN_FLIGHT_PER_SUBSCRIPTION = positiveInt(
                "maxInFlightPerSubscription",
                64,
                "Concurrent HTTP requests to one subscription, unless it sets its own.");
        static final ConfigKey<Integer> MAX_EVENT_BYTES =
                positiveInt("maxEventBytes", 1 << 20, "Larger event values are dead-lettered as too-large.");
        static final ConfigKey<Integer> MAX_QUEUED_PER_SUBSCRIPTION = positiveInt(
                "maxQueuedPerSubscription", 1000, "Deliveries one subscription may hold waiting for a permit.");
        static final ConfigKey<Long> MAX_QUEUED_BYTES_PER_SUBSCRIPTION = define(
                        "maxQueuedBytesPerSubscription", ConfigKey.Type.SIZE, Values::size)
                .defaultsTo(16L << 20, "16MiB")
                .doc("The same bound in bytes of bodies; at least maxEventBytes.");
        static final ConfigKey<Duration> MAX_QUEUE_DELAY =
                duration("maxQueueDelay", "1s", "A subscription whose queue would take longer to drain is slow.");
        static final ConfigKey<Long> MAX_BUFFERED_BYTES = define("maxBufferedBytes", ConfigKey.Type.SIZE, Values::size)
                .describedDefault(null, "an eighth of the heap, 16 to 64 MiB")
                .doc("The memory bound: bytes of consumed records whose work is unfinished.");
        static final ConfigKey<Optional<Duration>> AUTO_DISABLE_AFTER = define(
                        "autoDisableAfter", ConfigKey.Type.DURATION, Values::durationOrOff)
                .defaultsTo(Values.parseDurationOrOff("5d"), "5d")
                .doc("With topics.operations: disable a subscription whose endpoint failed this long; off: never.");
        static final ConfigKey<List<Network>> ALLOWED_NETWORKS = define("allowedNetworks", LIST, Values::networks)
                .defaultsTo(List.of())
                .doc("CIDRs the destination guard lets webhooks reach although they are not public.");
        static final ConfigKey<Boolean> REQUIRE_HTTPS =
                bool("requireHttps", false, "When true, a plain http:// subscription URL is a config error.");
        static final ConfigKey<CircuitBreaker.Settings> CIRCUIT_BREAKER = define(
                        "circuitBreaker", MAPPING, SharedSections::breaker)
                .fields(Breaker.FIELDS)
                .describedDefault(Breaker.defaults(), "its keys' defaults")
                .doc("The circuit breaker every subscription starts from.");
        static final ConfigKey<Tls> TLS = define("tls", MAPPING, SharedSections::tls)
                .fields(TlsKeys.FIELDS)
                .describedDefault(Tls.DEFAULT, ConfigKey.NONE)
                .doc("TLS settings every subscription starts from.");
        static final ConfigKey<Void> SECTION = mapping(
                "delivery",
                "How webhooks are sent.",
                List.of(
                        REQUEST_TIMEOUT,
                        CONNECT_TIMEOUT,
                        MAX_IN_FLIGHT,
                        MAX_IN_FLIGHT_PER_SUBSCRIPTION,
                        MAX_EVENT_BYTES,
                        MAX_QUEUED_PER_SUBSCRIPTION,
                        MAX_QUEUED_BYTES_PER_SUBSCRIPTION,
                        MAX_QUEUE_DELAY,
                        MAX_BUFFERED_BYTES,
                        AUTO_DISABLE_AFTER,
                        ALLOWED_NETWORKS,
                        REQUIRE_HTTPS,
                        CIRCUIT_BREAKER,
                        TLS));
    }

    static final class Retry {
        private static final List<String> SCHEDULE_TEXT = List.of("5s", "5m", "30m", "2h", "5h", "10h", "10h");
        static final ConfigKey<List<Duration>> SCHEDULE = define("schedule", LIST, Values::durations)
                .defaultsTo(
                        SCHEDULE_TEXT.stream().map(Durations::parse).toList(),
                        "[" + String.join(", ", SCHEDULE_TEXT) + "]")
                .doc("The delay before each retry; its length + 1 is the number of attempts.");
        static final ConfigKey<Double> JITTER =
                fraction("jitter", 0.2, "Each delay is randomised by ± this fraction, but by at most maxJitter.");
        static final ConfigKey<Duration> MAX_JITTER = duration("maxJitter", "1m", "The jitter's bound in time.");
        static final ConfigKey<Duration> MAX_RETRY_AFTER =
                duration("maxRetryAfter", "1h", "Upper bound on the Retry-After that is honoured.");
        static final ConfigKey<Set<Integer>> PERMANENT_STATUSES = define("permanentStatuses", LIST, Values::statuses)
                .defaultsTo(Collections.unmodifiableSet(new LinkedHashSet<>(List.of(400, 410, 413, 422))))
                .doc("Statuses that are never retried: they go straight to the dead-letter topic.");
        static final ConfigKey<Void> SECTION = mapping(
                "retry",
                "When failed deliveries are tried again.",
                List.of(SCHEDULE, JITTER, MAX_JITTER, MAX_RETRY_AFTER, PERMANENT_STATUSES));
    }

    static final class Management {
        static final ConfigKey<String> ADDRESS = define("address", ConfigKey.Type.STRING, Values::address)
                .defaultsTo("0.0.0.0")
                .doc("The interface the management port binds, an IP address.");
        static final ConfigKey<Integer> PORT = define("port", ConfigKey.Type.INTEGER, Values::port)
                .defaultsTo(8081)
                .doc("Port of /metrics, /health/live and /health/ready; 0 picks a free port.");
        static final ConfigKey<Duration> LIVENESS_TIMEOUT = duration(
                "livenessTimeout", "60s", "/health/live fails once a consumer loop has not polled for this long.");
        static final ConfigKey<Void> SECTION =
                mapping("management", "The management HTTP server.", List.of(ADDRESS, PORT, LIVENESS_TIMEOUT));
    }

    static final class Shutdown {
        static final ConfigKey<Duration> TIMEOUT = duration("timeout", "20s", "The whole graceful stop on SIGTERM.");
        static final ConfigKey<Void> SECTION = mapping("shutdown", "The graceful stop.", List.of(TIMEOUT));
    }

    static final class Reload {
        static final ConfigKey<Duration> INTERVAL =
                duration("interval", "10s", "How often the config file is checked for changes to the subscriptions.");
        static final ConfigKey<Void> SECTION = mapping("reload", "Hot reload.", List.of(INTERVAL));
    }

    static final class Tenancy {
        static final ConfigKey<String> WORKSPACE_FIELD = ConfigKey.<String>define(
                        "workspaceField", ConfigKey.Type.STRING, Values::jsonPointer)
                .defaultsTo("/workspaceId")
                .doc("The JSON pointer of an event's workspace id (the CRM's own field by default).");
        static final ConfigKey<Integer> MAX_SUBSCRIPTIONS_PER_WORKSPACE = positiveInt(
                "maxSubscriptionsPerWorkspace",
                20,
                "Subscriptions one workspace may have (Hookdeck Outpost's default).");
        static final ConfigKey<Integer> MAX_IN_FLIGHT_PER_WORKSPACE = positiveInt(
                "maxInFlightPerWorkspace",
                64,
                "Concurrent HTTP requests of one workspace's subscriptions together (of delivery.maxInFlight).");
        static final ConfigKey<Void> SECTION = mapping(
                "tenancy",
                "Workspaces: whose events a subscription with a workspaceId gets.",
                List.of(WORKSPACE_FIELD, MAX_SUBSCRIPTIONS_PER_WORKSPACE, MAX_IN_FLIGHT_PER_WORKSPACE));
    }

    static final class Routing {
        static final ConfigKey<List<EventType>> EXACT_ONLY = define("exactOnly", LIST, Values::eventTypes)
                .defaultsTo(
                        EventMatching.CRM_EXACT_ONLY,
                        EventMatching.CRM_EXACT_ONLY.stream()
                                .map(EventType::toString)
                                .collect(java.util.stream.Collectors.joining(", ", "[", "]")))
                .doc("Event types that reach only a subscription naming them exactly (the CRM's exclusion list).");
        static final ConfigKey<Void> SECTION =
                mapping("routing", "Which subscriptions an event's type reaches.", List.of(EXACT_ONLY));
    }

    static final class Metrics {
        static final ConfigKey<Boolean> EVENT_TYPE_LABEL =
                bool("eventTypeLabel", true, "Set to false to drop the event_type label (it becomes all).");
        static final ConfigKey<DispatcherConfig.Metrics.SubscriptionLabels> SUBSCRIPTION_LABELS = ConfigKey.choice(
                        "subscriptionLabels", DispatcherConfig.Metrics.SubscriptionLabels.values(), l -> l.configName)
                .defaultsTo(DispatcherConfig.Metrics.SubscriptionLabels.UNSCOPED, "unscoped")
                .doc(
                        "Which subscriptions get series of their own: all, none, or unscoped (the first 100 without a workspace).");
        static final ConfigKey<Void> SECTION =
                mapping("metrics", "The metrics' labels.", List.of(EVENT_TYPE_LABEL, SUBSCRIPTION_LABELS));
    }

    /** The ingest port: the CRM's webhooks in ({@code POST /ingest/{source}}), each source's secrets as a subscription's. */
    static final class Ingest {
        static final ConfigKey<Optional<Integer>> PORT = define("port", ConfigKey.Type.INTEGER, IngestSection::port)
                .describedDefault(Optional.empty(), "unset (off)")
                .doc("Port of POST /ingest/{source}; 0 picks a free port; unset: no ingest port.");
        static final ConfigKey<String> ADDRESS = define("address", ConfigKey.Type.STRING, Values::address)
                .defaultsTo("0.0.0.0")
                .doc("The interface the ingest port binds, an IP address.");
        static final ConfigKey<String> SOURCE_ID = ConfigKey.<String>define("id", ConfigKey.Type.STRING, Node::string)
                .required()
                .doc("The {source} of its URL and its metrics label; as a subscription id.");
        static final ConfigKey<Signing.Scheme> SIGNATURE = choice(
                        "signature",
                        new Signing.Scheme[] {Signing.Scheme.TWENTY, Signing.Scheme.STANDARD_WEBHOOKS},
                        Signing.Scheme::configName)
                .defaultsTo(Signing.Scheme.TWENTY, Signing.Scheme.TWENTY.configName())
                .doc("The signature its requests must carry: twenty (X-Twenty-Webhook-*) or standard-webhooks.");
        static final ConfigKey<String> KEY_FIELD = ConfigKey.<String>define(
                        "keyField", ConfigKey.Type.STRING, Values::jsonPointer)
                .defaultsTo("/record/id")
                .doc("The JSON pointer of the Kafka key in the body; /workspaceId where it is absent.");
        static final ConfigKey<Void> SOURCES = ConfigKey.<Void>define("sources", LIST_OF_MAPPINGS, null)
                .fields(List.of(
                        SOURCE_ID,
                        SubscriptionSchema.SECRET,
                        SubscriptionSchema.SECRETS,
                        SubscriptionSchema.SECRET_FILE,
                        SIGNATURE,
                        KEY_FIELD))
                .none()
                .doc("Who may post, and the secrets their signatures are checked with.");
        static final ConfigKey<Void> SECTION =
                mapping("ingest", "The ingest port: webhooks in, to topics.events.", List.of(PORT, ADDRESS, SOURCES));
    }

    /** The whole file. */
    static final ConfigKey<Void> ROOT = mapping(
            "",
            "The config file.",
            List.of(
                    Kafka.SECTION,
                    Topics.SECTION,
                    Delivery.SECTION,
                    Retry.SECTION,
                    Management.SECTION,
                    AdminSection.SECTION,
                    Shutdown.SECTION,
                    Reload.SECTION,
                    Tenancy.SECTION,
                    Routing.SECTION,
                    Metrics.SECTION,
                    Ingest.SECTION,
                    SubscriptionSchema.SUBSCRIPTIONS));

    /**
     * One key as the reference documents it.
     *
     * @param path       its path: {@code delivery.requestTimeout}, {@code subscriptions[].url}
     * @param defaultDoc its default as the table shows it; a key without a default of its own in a mapping that
     *                   inherits another's shows that one first: {@code `delivery.tls`, else none}
     */
    public record Documented(String path, ConfigKey<?> key, String defaultDoc) {}

    /** Every key of the file, depth first in declaration order, mappings before their keys. */
    public static List<Documented> reference() {
        var out = new ArrayList<Documented>();
        walk(ROOT, "", out);
        return out;
    }

    private static void walk(ConfigKey<?> mapping, String prefix, List<Documented> out) {
        for (ConfigKey<?> key : mapping.fields()) {
            String path = prefix.isEmpty() ? key.name() : prefix + "." + key.name();
            String defaultDoc =
                    mapping.inherits().isPresent() && key.defaultDoc().equals(ConfigKey.NONE)
                            ? "`" + mapping.inherits().get() + "`, else none"
                            : key.defaultDoc();
            out.add(new Documented(path, key, defaultDoc));
            if (key.type() == LIST_OF_MAPPINGS) {
                walk(key, path + "[]", out);
            } else {
                walk(key, path, out);
            }
        }
    }
}
