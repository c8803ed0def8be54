package io.webhookdispatcher.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.SubscriptionSchema;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.testkit.FakeClock;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** A schema over keys a test can change, and records made the way the writer makes them. */
final class StoreFixture {
    static final String TOPIC = "crm.subscriptions";
    static final String SECRET = "whsec_" + SecretCipherTest.key(7);
    static final ObjectMapper JSON = new ObjectMapper();
    static final SubscriptionSchema.Defaults DEFAULTS = new SubscriptionSchema.Defaults(
            DestinationGuard.DEFAULTS, 64, CircuitBreaker.Settings.DEFAULTS, Tls.DEFAULT, Optional.empty());

    final AtomicReference<EncryptionKeys> keys =
            new AtomicReference<>(EncryptionKeys.parse(SecretCipherTest.K1, "keys"));
    final FakeClock clock = new FakeClock();
    final StoredSchema schema =
            new StoredSchema(DEFAULTS, new SecretCipher(keys::get, new SecureRandom()), TOPIC, clock);

    /** Edits with these subscriptions in the config file, at most {@code maxPerWorkspace} per workspace. */
    SubscriptionEdits edits(List<Subscription> file, int maxPerWorkspace) {
        return new SubscriptionEdits(schema, clock, file, maxPerWorkspace);
    }

    /** A subscription of the config file. */
    static Subscription fileSubscription(String id, String workspace) {
        return new Subscription(
                id,
                java.net.URI.create("https://file.example.com/" + id),
                io.webhookdispatcher.dispatch.Signing.twenty(new io.webhookdispatcher.dispatch.Secret(SECRET)),
                List.of(io.webhookdispatcher.event.EventFilter.parse("*")),
                true,
                64,
                Optional.empty(),
                CircuitBreaker.Settings.DEFAULTS,
                Tls.DEFAULT,
                Optional.empty(),
                Optional.empty(),
                Optional.ofNullable(workspace),
                Optional.empty());
    }

    static ObjectNode spec(String id, String url) {
        ObjectNode spec = JSON.createObjectNode().put("id", id).put("url", url).put("secret", SECRET);
        spec.putArray("events").add("person.*");
        return spec;
    }

    /** Version 1 of a subscription to {@code url}, sealed as the writer seals it. */
    StoredSubscription created(String id, String url) {
        var decision = edits(List.of(), 20).create(spec(id, url), "").decide(java.util.Map.of());
        return ((SubscriptionAdmin.Put) decision).record();
    }

    /** A record with its fields as given, not validated: what a foreign writer could put on the topic. */
    StoredSubscription raw(ObjectNode spec) {
        return new StoredSubscription(spec.path("id").asText(), spec, "", clock.instant(), clock.instant(), 1);
    }

    static List<String> ids(java.util.Map<String, ?> byId) {
        return byId.keySet().stream().sorted().toList();
    }
}
