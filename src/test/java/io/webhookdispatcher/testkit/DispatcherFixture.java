package io.webhookdispatcher.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * The system under test of one integration test: a dispatcher config made of {@link #DEFAULTS} and the test's
 * overrides, its own topics and consumer group, a {@link WebhookReceiver}, a {@link KafkaIO}, and the dispatchers
 * it starts (in-process {@link Application}s or {@link DispatcherProcess}es of the real jar), all closed together.
 *
 * <pre>{@code
 * @ExtendWith(DispatcherExtension.class)
 * class RetryIT {
 *     @Test
 *     void shouldRetry(DispatcherFixture dispatcher) throws Exception {
 *         dispatcher.with("retry.schedule", "[300ms, 600ms]")
 *                 .with("kafka.properties", Map.of("max.block.ms", "1000"))
 *                 .subscription("flaky", "/flaky", "[\"*\"]")
 *                 .start();
 *         dispatcher.send("p1", SampleEvents.event("person.created", "p1"));
 *         await().until(() -> dispatcher.receiver().received("/flaky").size() == 3);
 *     }
 * }
 * }</pre>
 *
 * <p>Each fixture has a run name {@code <name>-<8 hex digits>}: topics {@code <run>.events}, {@code <run>.retry}
 * (and its per-step topics) and {@code <run>.dlt}, consumer group {@code <run>}; so tests never share state on the
 * broker. The config is a tree of maps, merged and then written with Jackson's YAML mapper, and read back by the
 * product's own {@link ConfigLoader}, as a deployed dispatcher reads its file.
 */
public final class DispatcherFixture implements AutoCloseable {
    /**
     * What every integration test runs with unless it says otherwise, besides the run's own topics and group and
     * the broker's address: a group that starts from the earliest offset (many tests produce a backlog before the
     * dispatcher starts, or send right after {@code start()}, before the group has joined), topics created on start
     * with 3 partitions, a short retry schedule without jitter (so retry gaps are exact), an ephemeral management
     * port, a short shutdown timeout, and loopback allowed by the destination guard (the receiver is on 127.0.0.1).
     */
    public static final String DEFAULTS = """
            kafka: {startFrom: earliest}
            topics: {create: true, partitions: 3, replicationFactor: 1}
            delivery: {allowedNetworks: [127.0.0.0/8, "::1/128"]}
            retry: {schedule: [100ms, 200ms], jitter: 0}
            management: {port: 0}
            shutdown: {timeout: 5s}
            """;

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    private final KafkaBroker broker;
    private final String run;
    private final WebhookReceiver receiver = new WebhookReceiver();
    private final KafkaIO kafka;
    private final Map<String, Object> config = new LinkedHashMap<>();
    private final List<Map<String, Object>> subscriptions = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    private Path dir;

    /** @param name what the run name starts with, such as the test class */
    public DispatcherFixture(KafkaBroker broker, String name) {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.kafka = new KafkaIO(broker.bootstrapServers());
        with("kafka", mapping("bootstrapServers", broker.bootstrapServers(), "groupId", run));
        with("topics", mapping("events", run + ".events", "retry", run + ".retry", "deadLetter", run + ".dlt"));
        with("", DEFAULTS);
    }

    // ---- the config

    /**
     * Sets {@code key} (dotted: {@code "delivery.requestTimeout"}; {@code ""} is the whole document) to
     * {@code value}, merged into what is there: mappings key by key, anything else replaced. A {@code String} is
     * read as a YAML fragment ({@code "2s"}, {@code "[300ms, 1s]"}, {@code "{maxInFlight: 32}"}); maps, lists,
     * numbers and booleans are taken as they are, so names with dots of their own, such as Kafka client properties,
     * go in a map: {@code with("kafka.properties", Map.of("max.block.ms", "1000"))}.
     */
    public DispatcherFixture with(String key, Object value) {
        Object tree = value instanceof String text ? readYaml(text) : copy(value);
        if (tree == null) {
            throw new IllegalArgumentException(key + ": no value; without(\"" + key + "\") drops a default");
        }
        if (key.isEmpty()) {
            merge(config, asMap(tree, "the document"));
            return this;
        }
        List<String> path = List.of(key.split("\\."));
        Map<String, Object> parent = config;
        for (String name : path.subList(0, path.size() - 1)) {
            parent = asMap(parent.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>()), name);
        }
        parent.merge(path.get(path.size() - 1), tree, DispatcherFixture::merged);
        return this;
    }

    /** Drops {@code key} (dotted), default or not, so that the dispatcher's own default applies. */
    public DispatcherFixture without(String key) {
        List<String> path = List.of(key.split("\\."));
        Object parent = config;
        for (String name : path.subList(0, path.size() - 1)) {
            parent = parent instanceof Map<?, ?> map ? map.get(name) : null;
        }
        if (parent instanceof Map<?, ?> map) {
            map.remove(path.get(path.size() - 1));
        }
        return this;
    }

    /**
     * Adds a subscription to {@code receiver().url(path)} with secret {@code secret-<id>-…} (24 bytes or more, the minimum), and registers that
     * endpoint and secret with the receiver so it checks the signatures.
     *
     * @param events a YAML list of event filters, such as {@code "[\"person.*\", \"*.created\"]"}
     */
    public DispatcherFixture subscription(String id, String path, String events) {
        String secret = "secret-" + id + "-of-24-bytes-or-more";
        receiver.endpoint(path, secret);
        return subscription(mapping("id", id, "url", receiver.url(path), "secret", secret, "events", readYaml(events)));
    }

    /**
     * Adds a subscription of {@code workspace} (its {@code workspaceId}) to {@code receiver().url("/" + id)}, and
     * registers that endpoint and its secret with the receiver, as {@link #subscription(String, String, String)}.
     */
    public DispatcherFixture workspaceSubscription(String id, String workspace, List<String> events) {
        String secret = "secret-" + id + "-of-24-bytes-or-more";
        receiver.endpoint("/" + id, secret);
        return subscription(mapping(
                "id", id, "workspaceId", workspace, "url", receiver.url("/" + id), "secret", secret, "events", events));
    }

    /** Adds a subscription entry as it is, for what the short form cannot say; registers nothing with the receiver. */
    public DispatcherFixture subscription(Map<String, ?> entry) {
        subscriptions.add(asMap(copy(entry), "a subscription"));
        return this;
    }

    /** Removes the subscriptions added so far (to write a changed config for a reload). */
    public DispatcherFixture withoutSubscriptions() {
        subscriptions.clear();
        return this;
    }

    /** An environment variable for {@code ${NAME}} references in the config: the loader's, and the process's. */
    public DispatcherFixture env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** The config file's text as it stands. */
    public String yaml() {
        var document = new LinkedHashMap<>(config);
        document.put("subscriptions", subscriptions);
        try {
            return YAML.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public DispatcherConfig config() throws ConfigException {
        return new ConfigLoader(env::get).parse(yaml(), run + ".yaml");
    }

    /**
     * Writes the config to this fixture's {@code dispatcher.yaml} and returns its path. A rewrite swaps a new file
     * in under the same name, as a Kubernetes ConfigMap update does.
     */
    public Path writeConfig() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory(run + "-");
        }
        Path file = dir.resolve("dispatcher.yaml");
        Path next = Files.writeString(Files.createTempFile(dir, "next", ".yaml"), yaml());
        return Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- starting dispatchers

    /** Starts a dispatcher in this JVM with the config as it stands. */
    public Application start() throws Exception {
        return start(new Application(config(), Clock.systemUTC()));
    }

    /** Starts a dispatcher in this JVM on {@link #writeConfig()}'s file, reloading its subscriptions as it changes. */
    public Application startWithReload() throws Exception {
        Path file = writeConfig();
        var loader = new ConfigLoader(env::get);
        return start(new Application(loader.load(file), Clock.systemUTC(), new Application.ConfigSource(file, loader)));
    }

    private Application start(Application app) throws Exception {
        started.add(app);
        app.start();
        return app;
    }

    /** Starts the real jar on {@link #writeConfig()}'s file, with {@link #env} added to this JVM's environment. */
    public DispatcherProcess startProcess() throws IOException {
        var process = DispatcherProcess.start(writeConfig(), env);
        started.add(process);
        return process;
    }

    // ---- what the tests look at

    public String run() {
        return run;
    }

    public KafkaBroker broker() {
        return broker;
    }

    public WebhookReceiver receiver() {
        return receiver;
    }

    public KafkaIO kafka() {
        return kafka;
    }

    public String eventsTopic() {
        return (String) value("topics.events");
    }

    /** The retry topics' common prefix: each step's topic is {@code <retryTopic>-<step>}, such as {@code -300ms}. */
    public String retryTopic() {
        return (String) value("topics.retry");
    }

    public String deadLetterTopic() {
        return (String) value("topics.deadLetter");
    }

    /** Creates the events topic with the configured partition count, for a backlog produced before the start. */
    public void createEventsTopic() {
        broker.createTopic(eventsTopic(), Integer.parseInt(String.valueOf(value("topics.partitions"))));
    }

    /** Writes one record to the events topic and waits for the broker's acknowledgement. */
    public void send(String key, byte[] value) {
        kafka.send(eventsTopic(), key, value);
    }

    /** {@code count} events of {@code types} in turn, ids and keys {@code id-0}, {@code id-1}...; returns once written. */
    public void produce(int count, List<String> types) {
        produce(count, types, i -> "id-" + i);
    }

    /** {@code perType} rounds of one event of each type, ids and keys {@code <type>-<round>}; returns once written. */
    public void producePerType(int perType, List<String> types) {
        produce(perType * types.size(), types, i -> types.get(i % types.size()) + "-" + i / types.size());
    }

    /** As {@link #produce(int, List)}, with events of about {@code size} bytes each. */
    public void produce(int count, List<String> types, int size) {
        produce(count, types, i -> "id-" + i, size);
    }

    private void produce(int count, List<String> types, IntFunction<String> id) {
        produce(count, types, id, 200);
    }

    private void produce(int count, List<String> types, IntFunction<String> id, int size) {
        for (int i = 0; i < count; i++) {
            kafka.sendAsync(
                    eventsTopic(), id.apply(i), SampleEvents.event(types.get(i % types.size()), id.apply(i), size));
            if (i % 1000 == 999) {
                kafka.flush(); // bounds what the producer holds when events are large
            }
        }
        kafka.flush();
    }

    /** The event ids of the requests the receiver got on {@code path}. */
    public Set<String> receivedIds(String path) {
        return ids(receiver.received(path));
    }

    /** The event ids of the requests the receiver got on any path. */
    public Set<String> receivedIds() {
        return ids(receiver.received());
    }

    public static Set<String> ids(Collection<Received> requests) {
        return requests.stream().map(r -> SampleEvents.idOf(r.body())).collect(Collectors.toSet());
    }

    /** Everything in the dead-letter topic so far. */
    public List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return kafka.readAll(deadLetterTopic());
    }

    /** Records in the events topic not yet committed by the dispatcher's consumer group (0: all committed). */
    public long uncommittedEvents() {
        return kafka.uncommitted((String) value("kafka.groupId"), eventsTopic());
    }

    /** A dead letter's or retry record's header as text, or null. */
    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return WebhookHeaders.get(record.headers(), name).orElse(null);
    }

    /** Stops the dispatchers (last started first), then the Kafka client and the receiver; deletes the config file. */
    @Override
    public void close() throws Exception {
        var closing = new ArrayList<>(started);
        Collections.reverse(closing);
        closing.add(kafka);
        closing.add(receiver);
        if (dir != null) {
            closing.add(() -> Utils.delete(dir.toFile()));
        }
        Exception failure = null;
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    // ---- the config tree

    private Object value(String key) {
        Object node = config;
        for (String name : key.split("\\.")) {
            node = node instanceof Map<?, ?> map ? map.get(name) : null;
        }
        return node;
    }

    private static Object readYaml(String text) {
        try {
            return YAML.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a YAML value: " + text, e);
        }
    }

    /** An ordered mapping from alternating keys and values, so the written file reads in a sensible order. */
    private static Map<String, Object> mapping(Object... keysAndValues) {
        var result = new LinkedHashMap<String, Object>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            result.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return result;
    }

    /** A mutable deep copy: maps keep their order, keys become strings. */
    private static Object copy(Object value) {
        if (value instanceof Map<?, ?> map) {
            var result = new LinkedHashMap<String, Object>();
            map.forEach((k, v) -> result.put(String.valueOf(k), copy(v)));
            return result;
        }
        if (value instanceof Collection<?> list) {
            return list.stream().map(DispatcherFixture::copy).collect(Collectors.toCollection(ArrayList::new));
        }
        return value;
    }

    private static Object merged(Object current, Object value) {
        if (current instanceof Map<?, ?> && value instanceof Map<?, ?>) {
            merge(asMap(current, "a mapping"), asMap(value, "a mapping"));
            return current;
        }
        return value;
    }

    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((k, v) -> into.merge(k, v, DispatcherFixture::merged));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(what + " must be a mapping, not " + value);
        }
        return (Map<String, Object>) value;
    }
}
