package io.webhookdispatcher.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The properties of every Kafka client the dispatcher makes: {@code kafka.properties} (security, tuning) under
 * the settings at-least-once depends on, which cannot be overridden. {@link #check} validates them with the
 * clients' own config definitions when the file is loaded, so {@code validate-config}, start-up and a reload
 * reject a bad property with Kafka's own message instead of a client failing later.
 */
public final class KafkaClientSettings {
    /** {@code fetch.max.bytes} unless configured: what one fetch response (and so the client's buffer) may hold. */
    public static final int FETCH_MAX_BYTES = 8 << 20;
    /** Room for the headers of a retry or dead-letter record on top of the largest event accepted. */
    public static final int HEADER_HEADROOM = 64 * 1024;

    /** Set by the dispatcher whatever {@code kafka.properties} says: a value there is ignored, with a warning. */
    private static final Set<String> FIXED = Set.of(
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);

    private static final String EXTENSION_HINT = " (a class from another jar, such as a SASL callback handler, needs"
            + " that jar on the class path: the image's extension directory /opt/webhook-dispatcher/ext)";
    private static final List<ConfigDef> DEFINITIONS =
            List.of(ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef());

    /**
     * The JVM-wide list of config provider classes Kafka may instantiate ({@code config.providers}). Without it
     * every provider is allowed, and {@code ${file:/etc/passwd:x}} or {@code ${env:…}} in a property would let the
     * config read the pod's files and environment; {@code Main} sets it to {@code none} unless the operator set it.
     */
    public static final String CONFIG_PROVIDERS_PROPERTY = AbstractConfig.AUTOMATIC_CONFIG_PROVIDERS_PROPERTY;

    /** The value that allows no provider class (Kafka matches class names against the list). */
    public static final String NO_PROVIDERS = "none";

    private KafkaClientSettings() {}

    /**
     * True once the operator listed provider classes in {@link #CONFIG_PROVIDERS_PROPERTY}: only then may
     * {@code kafka.properties} declare {@code config.providers} (and Kafka instantiates only the listed classes).
     * An unset property counts as disabled, so that the rule holds wherever the settings are checked.
     */
    public static boolean configProvidersEnabled() {
        String allowed = System.getProperty(CONFIG_PROVIDERS_PROPERTY);
        return allowed != null && !allowed.isBlank() && !allowed.trim().equals(NO_PROVIDERS);
    }

    /**
     * Whether a value of {@code name} must never be shown: a key that a client defines as {@link
     * ConfigDef.Type#PASSWORD} (Kafka's own list, which name patterns miss, e.g. {@code
     * sasl.oauthbearer.assertion.private.key.passphrase}), or a key no client defines, since a plugin's setting may
     * be a credential.
     */
    public static boolean isSecret(String name) {
        var keys = DEFINITIONS.stream()
                .map(d -> d.configKeys().get(name))
                .filter(Objects::nonNull)
                .toList();
        return keys.isEmpty() || keys.stream().anyMatch(k -> k.type == ConfigDef.Type.PASSWORD);
    }

    /** The properties as they may be shown: secret values ({@link #isSecret}) as {@code ****}, sorted by key. */
    public static Map<String, String> masked(Map<String, String> properties) {
        var shown = new TreeMap<String, String>();
        properties.forEach((k, v) -> shown.put(k, isSecret(k) ? "****" : v));
        return shown;
    }

    /** One finding of {@link #check}; {@code property} is the key under {@code kafka.properties}, or null for all. */
    public record Problem(String property, String message, boolean warning) {}

    /** What every client gets: {@code kafka.properties}, the bootstrap servers and a client id. */
    public static Map<String, Object> common(DispatcherConfig.Kafka kafka, String clientId) {
        var props = new HashMap<String, Object>(kafka.properties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /**
     * A group member that commits finished work only. It starts a partition without a committed offset at
     * {@code startFrom} and reads only committed transactional writes unless {@code isolation.level} says
     * otherwise. The classic protocol gets the cooperative-sticky assignor; with {@code group.protocol: consumer}
     * (KIP-848) the broker assigns partitions, and a client-side assignor is not allowed.
     */
    public static Map<String, Object> consumer(
            DispatcherConfig.Kafka kafka, String groupId, String clientId, DispatcherConfig.Kafka.StartFrom startFrom) {
        return consumer(kafka, groupId, clientId, startFrom, ConsumerConfig.DEFAULT_MAX_POLL_RECORDS);
    }

    /**
     * @param maxPollRecords {@code max.poll.records} unless configured. A poll materialises that many records at
     *     once, and with compressed batches {@code fetch.max.bytes} bounds only the compressed bytes (measured: one
     *     poll of lz4-compressed retries returned 105 records of 1 MB through an 8 MiB fetch), so the caller sizes
     *     it from its memory share.
     */
    public static Map<String, Object> consumer(
            DispatcherConfig.Kafka kafka,
            String groupId,
            String clientId,
            DispatcherConfig.Kafka.StartFrom startFrom,
            int maxPollRecords) {
        var props = common(kafka, clientId);
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, startFrom.resetPolicy());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // we commit finished work only
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // an aborted write is no event
        if (!consumerProtocol(props)) {
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        // The client's own fetch buffers sit outside delivery.maxBufferedBytes: keep them small (default 50 MiB).
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, FETCH_MAX_BYTES);
        byteArrays(
                props,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        return props;
    }

    /** A consumer without a group, for reading a topic by assignment (replay): no group settings apply. */
    public static Map<String, Object> reader(DispatcherConfig.Kafka kafka, String clientId) {
        var props = common(kafka, clientId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.remove(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);
        props.remove(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        byteArrays(
                props,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class);
        return props;
    }

    /** Idempotent, acks=all: a retry or dead-letter write counts only once it is on every in-sync replica. */
    public static Map<String, Object> producer(DispatcherConfig.Kafka kafka, String clientId, int maxEventBytes) {
        var props = common(kafka, clientId);
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxEventBytes + HEADER_HEADROOM);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // send() may block this long on metadata (a missing topic); DurableWriter then retries.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        byteArrays(
                props,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class);
        return props;
    }

    /** The admin client (topic checks at start-up). */
    public static Map<String, Object> admin(DispatcherConfig.Kafka kafka, String clientId) {
        return common(kafka, clientId);
    }

    /** True for {@code group.protocol: consumer}, the KIP-848 protocol (brokers 4.0 and later). */
    public static boolean consumerProtocol(Map<String, ?> props) {
        Object protocol = props.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        return protocol != null
                && GroupProtocol.CONSUMER
                        .name()
                        .equalsIgnoreCase(protocol.toString().trim());
    }

    /**
     * Checks {@code kafka.properties} as Kafka's consumer, producer and admin client would: each value against
     * the definition of its key (type and allowed values), then, if each is fine, the properties each client
     * actually gets, together (Kafka's cross-property rules, e.g. an assignor with {@code group.protocol:
     * consumer}, or {@code retries: 0} with the idempotent producer). Errors carry Kafka's message. A key none of
     * the three clients defines is a warning, not an error: plugins (a SASL callback handler from the extension
     * directory, say) read settings of their own.
     */
    public static List<Problem> check(DispatcherConfig.Kafka kafka) {
        var problems = new ArrayList<Problem>();
        kafka.properties().forEach((name, value) -> checkOne(name, value, problems));
        if (problems.stream().anyMatch(p -> !p.warning())) {
            return problems;
        }
        var messages = new LinkedHashSet<String>();
        attempt(
                messages,
                "the consumers",
                () -> new ConsumerConfig(consumer(kafka, "validate", "validate", kafka.startFrom())));
        attempt(messages, "the producer", () -> new ProducerConfig(producer(kafka, "validate", 1 << 20)));
        attempt(messages, "the admin client", () -> new AdminClientConfig(admin(kafka, "validate")));
        // Kafka's messages quote values ("Invalid value X for configuration Y"): none of a secret key may show.
        var secrets = kafka.properties().entrySet().stream()
                .filter(e -> isSecret(e.getKey()) && !e.getValue().isBlank())
                .map(e -> e.getValue().trim())
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String m : messages) {
            for (String secret : secrets) {
                m = m.replace(secret, "****");
            }
            problems.add(new Problem(null, m, false));
        }
        return problems;
    }

    private static void checkOne(String name, String value, List<Problem> problems) {
        if (name.equals(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)) {
            problems.add(new Problem(
                    name,
                    "set kafka.startFrom (latest or earliest) instead: it applies to the"
                            + " events topic's group, while the retry topics' group always starts from earliest",
                    false));
            return;
        }
        if (name.equals(AbstractConfig.CONFIG_PROVIDERS_CONFIG)
                || name.startsWith(AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".")) {
            if (!configProvidersEnabled()) {
                problems.add(new Problem(
                        name,
                        "Kafka config providers are disabled (they would let the config read the pod's files and"
                                + " environment); the operator enables them with -D" + CONFIG_PROVIDERS_PROPERTY
                                + "=<provider classes> in JAVA_TOOL_OPTIONS",
                        false));
            }
            return;
        }
        if (FIXED.contains(name)) {
            problems.add(new Problem(name, "is set by the dispatcher; this value is ignored", true));
            return;
        }
        var keys = DEFINITIONS.stream()
                .map(d -> d.configKeys().get(name))
                .filter(Objects::nonNull)
                .toList();
        if (keys.isEmpty()) {
            problems.add(new Problem(
                    name,
                    "is not a Kafka consumer, producer or admin client property; it is passed"
                            + " on as it is (a plugin's own setting?), check its spelling",
                    true));
            return;
        }
        var messages = new LinkedHashSet<String>();
        for (ConfigDef.ConfigKey key : keys) {
            try {
                Object parsed = ConfigDef.parseType(name, value, key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(name, parsed);
                }
            } catch (ConfigException e) {
                String message = key.type == ConfigDef.Type.PASSWORD
                        ? "Invalid value (not shown) for configuration " + name
                        : e.getMessage();
                messages.add(message
                        + (key.type == ConfigDef.Type.CLASS || key.type == ConfigDef.Type.LIST ? EXTENSION_HINT : ""));
            }
        }
        messages.forEach(m -> problems.add(new Problem(name, m, false)));
    }

    private static void attempt(Set<String> messages, String client, Supplier<?> config) {
        try {
            config.get();
        } catch (ConfigException e) {
            messages.add(e.getMessage() + " (in the settings of " + client + ")");
        } catch (RuntimeException e) { // a plugin class that fails to load or configure
            messages.add(e + " (in the settings of " + client + ")");
        }
    }

    private static void byteArrays(Map<String, Object> props, String key, String value, Class<?> type) {
        props.put(key, type.getName());
        props.put(value, type.getName());
    }
}
