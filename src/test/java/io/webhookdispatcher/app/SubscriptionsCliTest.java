package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.app.cli.Cli;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.store.EncryptionKeys;
import io.webhookdispatcher.store.SecretCipher;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code subscriptions} as an operator types it, against a topic kept in memory and decided as the real one. */
class SubscriptionsCliTest {
    private static final String KEYS = "k1=" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SortedMap<String, StoredSubscription> topic = new TreeMap<>();
    private final List<Subscription> enabled = new ArrayList<>();
    private final List<String> tested = new ArrayList<>();
    private io.webhookdispatcher.dispatch.DeliveryOutcome testOutcome =
            new io.webhookdispatcher.dispatch.DeliveryOutcome.Delivered(204, java.time.Duration.ofMillis(12));
    /** Everything the commands of a test printed, in order. */
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Path config;

    @TempDir
    Path dir;

    @BeforeEach
    void writeConfig() throws Exception {
        config = Files.writeString(dir.resolve("c.yaml"), """
                topics: {subscriptions: crm.subscriptions}
                subscriptions:
                  - {id: from-file, url: "https://example.com/h", secret: "a-signing-secret-of-24-bytes-or-more",
                     events: ["*"]}
                """);
    }

    @Test
    void shouldPrintAGeneratedSecretOnceOnCreateAndNeverAgain() throws Exception {
        // when
        int exit = subscriptions(
                "create",
                "crm-sync",
                "--url",
                "https://hooks.example.com/crm",
                "--event",
                "person.*,company.created",
                "--description",
                "CRM sync");

        // then: created, its secret printed once, stored sealed
        assertThat(exit).isZero();
        String secret = out().lines()
                .filter(l -> l.startsWith("secret: "))
                .findFirst()
                .orElseThrow()
                .substring("secret: ".length());
        assertThat(secret).startsWith("whsec_").hasSize("whsec_".length() + 44);
        assertThat(new String(topic.get("crm-sync").toJson(), StandardCharsets.UTF_8))
                .contains("enc:v1:k1:")
                .doesNotContain(secret);

        // when: listed and shown, in either format
        int printedByCreate = out().length();
        subscriptions("list");
        subscriptions("list", "--output", "json");
        subscriptions("get", "crm-sync");
        subscriptions("get", "crm-sync", "--output", "json");

        // then: never the secret, nor its ciphertext
        String shown = out().substring(printedByCreate);
        assertThat(shown).doesNotContain(secret.substring(6)).doesNotContain("enc:v1");
        assertThat(shown).contains("ID", "WORKSPACE", "STATUS", "crm-sync", "https://hooks.example.com", "ok");
        JsonNode got = lastJson().path("subscription");
        assertThat(got.path("secretCount").asInt()).isEqualTo(1);
        assertThat(got.path("version").asLong()).isEqualTo(1);
        assertThat(got.path("description").asText()).isEqualTo("CRM sync");
        assertThat(got.has("secret")).isFalse();
    }

    @Test
    void shouldRefuseAnIdOfTheConfigFile() throws Exception {
        int exit = subscriptions("create", "from-file", "--url", "https://hooks.example.com/", "--event", "*");

        assertThat(exit).isEqualTo(1);
        assertThat(err()).contains("create refused (CONFLICT)", "subscription from-file is in the config file");
        assertThat(topic).isEmpty();
    }

    @Test
    void shouldRefuseAnInternalDestinationWithTheKeyPathOfTheFilesErrors() throws Exception {
        int exit = subscriptions(
                "create",
                "meta",
                "--url",
                "http://169.254.169.254/latest/meta-data",
                "--event",
                "*",
                "--output",
                "json");

        assertThat(exit).isEqualTo(1);
        JsonNode json = lastJson();
        assertThat(json.path("ok").asBoolean()).isFalse();
        assertThat(json.path("reason").asText()).isEqualTo("INVALID");
        assertThat(json.path("errors").get(0).asText()).startsWith("crm.subscriptions: subscriptions[meta].url: ");
    }

    @Test
    void shouldUpdateOnlyTheVersionItWasToldOf() throws Exception {
        subscriptions("create", "a", "--url", "https://hooks.example.com/", "--event", "*");

        int stale = subscriptions("update", "a", "--url", "https://moved.example.com/", "--if-version", "2");
        int current = subscriptions("update", "a", "--url", "https://moved.example.com/", "--if-version", "1");

        assertThat(stale).isEqualTo(1);
        assertThat(err()).contains("subscription a is at version 1, not 2");
        assertThat(current).isZero();
        assertThat(out()).contains("updated subscription a (version 2)");
        assertThat(topic.get("a").spec().path("url").asText()).isEqualTo("https://moved.example.com/");
    }

    @Test
    void shouldRotateASecretWithOverlapThenDropTheOldOne() throws Exception {
        subscriptions("create", "a", "--url", "https://hooks.example.com/", "--event", "*");

        subscriptions("update", "a", "--rotate-secret", "--output", "json");
        String rotated = lastJson().path("secret").asText();
        assertThat(lastJson().path("subscription").path("secretCount").asInt()).isEqualTo(2);
        subscriptions("update", "a", "--drop-old-secrets", "--output", "json");

        assertThat(rotated).startsWith("whsec_");
        assertThat(lastJson().path("subscription").path("secretCount").asInt()).isEqualTo(1);
        assertThat(lastJson().has("secret")).isFalse();
    }

    @Test
    void shouldDisableEnableAndDelete() throws Exception {
        subscriptions("create", "a", "--url", "https://hooks.example.com/", "--event", "*");

        assertThat(subscriptions("disable", "a", "--output", "json")).isZero();
        assertThat(lastJson().path("command").asText()).isEqualTo("disable");
        assertThat(topic.get("a").spec().path("enabled").asBoolean()).isFalse();
        assertThat(subscriptions("enable", "a")).isZero();
        assertThat(topic.get("a").spec().path("enabled").asBoolean()).isTrue();
        assertThat(subscriptions("delete", "a", "--if-version", "3")).isZero();

        assertThat(topic).isEmpty();
        assertThat(out()).contains("enabled subscription a (version 3)", "deleted subscription a");
        assertThat(subscriptions("get", "a")).isEqualTo(1);
    }

    @Test
    void shouldSaySoWithoutTopicsSubscriptions() throws Exception {
        Files.writeString(config, Files.readString(config).replace("topics: {subscriptions: crm.subscriptions}\n", ""));

        assertThat(subscriptions("list")).isEqualTo(1);
        assertThat(err()).contains("topics.subscriptions is not set in " + config);
    }

    @Test
    void shouldEnableAnAutoDisabledSubscriptionOfTheTopic() throws Exception {
        // given: a stored subscription, and auto-disable on
        subscriptions("create", "a", "--url", "https://hooks.example.com/", "--event", "*");
        Files.writeString(
                config, Files.readString(config).replace("{subscriptions: ", "{operations: ops, subscriptions: "));

        // when
        int exit = run(List.of("enable", "--config", config.toString(), "--subscription", "a"));

        // then: enabled with its fingerprint as stored
        assertThat(exit).as(err()).isZero();
        assertThat(enabled)
                .singleElement()
                .satisfies(s -> assertThat(s.url()).hasToString("https://hooks.example.com/"));
    }

    @Test
    void shouldSendATestEventSignedAsTheSubscriptionAndReportTheReceiversAnswer() throws Exception {
        // given
        assertThat(subscriptions("create", "crm-sync", "--url", "https://hooks.example.com/crm", "--event", "*"))
                .isZero();

        // when
        int ok = subscriptions("test", "crm-sync", "--output", "json");
        testOutcome = new io.webhookdispatcher.dispatch.DeliveryOutcome.Retryable(
                new io.webhookdispatcher.dispatch.DeliveryOutcome.Failure(
                        io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult.SERVER_5XX,
                        503,
                        "HttpStatus",
                        "503",
                        "",
                        java.time.Duration.ofMillis(30)),
                Optional.empty());
        int failed = subscriptions("test", "crm-sync");

        // then: a webhook.test to it; exit 0 on a 2xx, 1 otherwise, with the status and latency
        assertThat(ok).isZero();
        assertThat(failed).isEqualTo(1);
        assertThat(tested)
                .hasSize(2)
                .allSatisfy(t -> assertThat(t).startsWith("crm-sync ").contains("\"eventName\":\"webhook.test\""));
        assertThat(out()).contains("\"delivered\":true", "\"status\":204", "\"latencyMs\":12");
        assertThat(out()).contains("crm-sync: HTTP 503 in 30 ms");
    }

    private int subscriptions(String command, String... args) {
        var all = new ArrayList<>(List.of("subscriptions", command, "--config", config.toString()));
        all.addAll(List.of(args));
        return run(all);
    }

    private int run(List<String> all) {
        return Main.run(
                all.toArray(String[]::new),
                Map.<String, String>of()::get,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new CommandRun.Backend() {
                    @Override
                    public Cli.Enabled enable(DispatcherConfig c, String operations, Subscription s) {
                        enabled.add(s);
                        return new Cli.Enabled(true, Optional.empty());
                    }

                    @Override
                    public SubscriptionAdmin subscriptions(DispatcherConfig c) {
                        return new io.webhookdispatcher.testkit.InMemorySubscriptionAdmin(
                                topic,
                                new StoredSchema(
                                        c.subscriptionDefaults(),
                                        new SecretCipher(() -> EncryptionKeys.parse(KEYS, "keys"), new SecureRandom()),
                                        c.topics().subscriptions().orElseThrow()),
                                () -> null);
                    }

                    @Override
                    public io.webhookdispatcher.dispatch.DeliveryOutcome test(
                            DispatcherConfig c, Subscription s, String deliveryId, byte[] body) {
                        tested.add(s.id() + " " + new String(body, StandardCharsets.UTF_8));
                        return testOutcome;
                    }
                });
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private JsonNode lastJson() throws Exception {
        List<String> lines = out().lines().toList();
        return JSON.readTree(lines.get(lines.size() - 1));
    }
}
