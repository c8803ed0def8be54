package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.config.SubscriptionSchema;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.store.EncryptionKeys;
import io.webhookdispatcher.store.SecretCipher;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.InMemorySubscriptionAdmin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.KafkaException;

/**
 * The admin API over a topic kept in memory and decided as the real one (the edits of the store), a schema with an
 * encryption key of its own, and a sender that answers what a test chose and keeps what it was sent.
 */
final class AdminFixture implements SubscriptionsApi.Backend {
    static final String TOPIC = "crm.subscriptions";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEYS = "k1=" + Base64.getEncoder().encodeToString(new byte[32]);
    private static final SubscriptionSchema.Defaults DEFAULTS = new SubscriptionSchema.Defaults(
            DestinationGuard.DEFAULTS, 64, CircuitBreaker.Settings.DEFAULTS, Tls.DEFAULT, Optional.empty());

    final FakeClock clock = new FakeClock();
    final StoredSchema schema = new StoredSchema(
            DEFAULTS, new SecretCipher(() -> EncryptionKeys.parse(KEYS, "keys"), new SecureRandom()), TOPIC, clock);
    final SortedMap<String, StoredSubscription> topic = new TreeMap<>();
    final InMemorySubscriptionAdmin writer = new InMemorySubscriptionAdmin(topic, schema, () -> this.failure);
    final SubscriptionEdits edits = new SubscriptionEdits(schema, clock, List.of(), 100);

    /** What the fake sender answers. */
    DeliveryOutcome outcome = new DeliveryOutcome.Delivered(200, Duration.ofMillis(42));
    /** What the fake sender was asked to send: the subscription's id, the delivery id and the body. */
    final List<Sent> sent = new ArrayList<>();

    final List<String> enabled = new ArrayList<>();
    final List<String> forgotten = new ArrayList<>();
    final Map<String, AttemptStats.Summary> attempts = new HashMap<>();
    /** The subscriptions this replica runs, if a test set them: their lanes. */
    Subscriptions running;
    /** Set: every write to the topic fails with it. */
    KafkaException failure;

    record Sent(Subscription subscription, String deliveryId, byte[] body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    final SubscriptionsApi api = new SubscriptionsApi(this);

    @Override
    public SubscriptionAdmin writer() {
        return writer;
    }

    @Override
    public SubscriptionEdits edits() {
        return edits;
    }

    @Override
    public Map<String, StoredSubscription> records() {
        return writer.records();
    }

    @Override
    public StoredSchema schema() {
        return schema;
    }

    @Override
    public Set<String> fileIds() {
        return Set.of();
    }

    @Override
    public Optional<Lane> lane(String id) {
        return running == null ? Optional.empty() : running.lane(id);
    }

    @Override
    public CompletableFuture<DeliveryOutcome> send(Subscription subscription, String deliveryId, byte[] body) {
        sent.add(new Sent(subscription, deliveryId, body.clone()));
        return CompletableFuture.completedFuture(outcome);
    }

    @Override
    public void enableEndpoint(String id) {
        enabled.add(id);
    }

    @Override
    public void forget(String id) {
        forgotten.add(id);
    }

    @Override
    public Optional<AttemptStats.Summary> attempts(String id) {
        return Optional.ofNullable(attempts.get(id));
    }

    @Override
    public Duration testTimeout() {
        return Duration.ofSeconds(5);
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** A request as the handler makes it: headers by name in any case, the query apart from the path. */
    static SubscriptionsApi.Request request(
            String method, String path, Map<String, List<String>> query, Map<String, String> headers, String body) {
        var byName = new TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        Function<String, String> header = byName::get;
        return new SubscriptionsApi.Request(
                method, path, query, header, body.getBytes(StandardCharsets.UTF_8), "token:0123abcd");
    }

    Answer call(String method, String path, String body, String... headers) {
        return call(method, path, Map.of(), body, headers);
    }

    Answer call(String method, String path, Map<String, List<String>> query, String body, String... headers) {
        var byName = new HashMap<String, String>();
        if (!body.isEmpty()) {
            byName.put("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            byName.put(headers[i], headers[i + 1]);
        }
        return api.handle(request(method, path, query, byName, body));
    }

    static JsonNode json(Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text(answer), e);
        }
    }

    static String text(Answer answer) {
        return new String(answer.body(), StandardCharsets.UTF_8);
    }
}
