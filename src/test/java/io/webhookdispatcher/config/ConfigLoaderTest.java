package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String MINIMAL = """
            subscriptions:
              - id: crm-sync
                url: https://example.com/hooks/crm
                secret: ${CRM_SYNC_SECRET}
                events: ["person.*", "*.created"]
            """;

    private final Map<String, String> env =
            new java.util.HashMap<>(Map.of("CRM_SYNC_SECRET", "s3cr3t-value-of-24-bytes-or-more"));
    private final ConfigLoader loader = new ConfigLoader(env::get);

    private List<String> errorsOf(String yaml) {
        return Rejected.errorsOf(loader, yaml);
    }

    @Test
    void shouldApplyDocumentedDefaults() throws Exception {
        DispatcherConfig config = loader.parse(MINIMAL, "dispatcher.yaml");

        assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(config.kafka().groupId()).isEqualTo("webhook-dispatcher");
        assertThat(config.topics().events()).isEqualTo("crm.events");
        assertThat(config.topics().retry()).isEqualTo("crm.events.retry");
        assertThat(config.topics().deadLetter()).isEqualTo("crm.events.dlt");
        assertThat(config.delivery().requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.delivery().destinations()).isEqualTo(io.webhookdispatcher.dispatch.DestinationGuard.DEFAULTS);
        assertThat(config.delivery().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.delivery().maxInFlight()).isEqualTo(256);
        assertThat(config.delivery().maxInFlightPerSubscription()).isEqualTo(64);
        assertThat(config.delivery().maxEventBytes()).isEqualTo(1 << 20);
        assertThat(config.retry().schedule())
                .containsExactly(
                        Duration.ofSeconds(5),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(30),
                        Duration.ofHours(2),
                        Duration.ofHours(5),
                        Duration.ofHours(10),
                        Duration.ofHours(10));
        assertThat(config.retry().maxAttempts()).isEqualTo(8);
        assertThat(config.retry().permanentStatuses()).containsExactlyInAnyOrder(400, 410, 413, 422);
        assertThat(config.management().port()).isEqualTo(8081);
        assertThat(config.management().address()).isEqualTo("0.0.0.0");
        assertThat(config.shutdown().timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.subscriptions()).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo("crm-sync");
            assertThat(s.signing()).isEqualTo(Signing.twenty(new Secret("s3cr3t-value-of-24-bytes-or-more")));
            assertThat(s.enabled()).isTrue();
        });
    }

    @Test
    void shouldLetTheEnvironmentOverrideTheBootstrapServers() throws Exception {
        env.put("KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092,broker-2:9092");

        assertThat(loader.parse(MINIMAL, "f").kafka().bootstrapServers()).isEqualTo("broker-1:9092,broker-2:9092");
    }

    @Test
    void shouldInterpolateVariablesWithDefaults() throws Exception {
        DispatcherConfig config = loader.parse("""
                kafka:
                  bootstrapServers: ${BROKERS:-fallback:9092}
                  properties:
                    ssl.key.password: ${KEY_PASSWORD:-changeit}
                """ + MINIMAL, "f");

        assertThat(config.kafka().bootstrapServers()).isEqualTo("fallback:9092");
        assertThat(config.kafka().properties()).containsEntry("ssl.key.password", "changeit");
    }

    @Test
    void shouldNameFileKeyPathAndFieldInEveryError() {
        List<String> errors = errorsOf("""
                kafka:
                  bogus: 1
                delivery:
                  maxInFlight: 0
                  requestTimeout: 5x
                retry:
                  permanentStatuses: [400, 999]
                subscriptions:
                  - id: crm-sync
                    url: ftp://example.com/hook
                    secret: ${UNSET_SECRET}
                    events: []
                  - id: crm-sync
                    url: https://example.com/x
                    secret: ""
                    events: ["person.", "a.b.c"]
                    colour: blue
                  - id: other
                    secret: x
                    events: ["*"]
                """);

        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "dispatcher.yaml: kafka.bogus: unknown key",
                        "dispatcher.yaml: delivery.maxInFlight: must be a positive whole number (got '0')",
                        "dispatcher.yaml: delivery.requestTimeout: '5x' is not a duration like 250ms, 5s, 2m, 1h",
                        "dispatcher.yaml: retry.permanentStatuses: '999' is not an HTTP status code (100-599)",
                        "dispatcher.yaml: subscriptions[crm-sync].url: must be an absolute http or https URL (got 'ftp://example.com/…')",
                        "dispatcher.yaml: subscriptions[crm-sync].secret: environment variable UNSET_SECRET is not set",
                        "dispatcher.yaml: subscriptions[crm-sync].events: must not be empty",
                        "dispatcher.yaml: subscriptions[1].id: duplicate id 'crm-sync'",
                        "dispatcher.yaml: subscriptions[1].secret: is required and must not be empty",
                        "dispatcher.yaml: subscriptions[1].events[0]: 'person.' is not one of \"*\", \"*.*\", \"object.*\", \"*.action\", \"object.action\","
                                + " \"metadata.name.action\" (either part may be *)",
                        "dispatcher.yaml: subscriptions[1].events[1]: 'a.b.c' is not one of \"*\", \"*.*\", \"object.*\", \"*.action\", \"object.action\","
                                + " \"metadata.name.action\" (either part may be *)",
                        "dispatcher.yaml: subscriptions[1].colour: unknown key",
                        "dispatcher.yaml: subscriptions[other].url: is required",
                        "dispatcher.yaml: subscriptions[other].secret: is too short: 1 bytes of key material, at least 24"
                                + " are needed (a whsec_ secret counts its base64-decoded bytes); generate one with:"
                                + " echo whsec_$(openssl rand -base64 32)");
    }

    @Test
    void shouldRefuseBlockedLiteralAddressesInUrlsWithoutAllowedNetworks() {
        String urls = """
                subscriptions:
                  - {id: sidecar, url: "http://127.0.0.1:15000/quitquitquit", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: metadata, url: "http://169.254.169.254/latest", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: private, url: "https://10.0.0.1/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: v6, url: "http://[::1]:8080/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: zero, url: "http://0.0.0.0/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: decimal, url: "http://2130706433/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: mapped, url: "http://[::ffff:169.254.169.254]/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: hex, url: "http://0x7f.1/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: public, url: "https://example.com/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: name, url: "http://localhost:8080/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                """;

        List<String> errors = errorsOf(urls);

        String allow = "; add its network to delivery.allowedNetworks to allow it";
        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "dispatcher.yaml: subscriptions[sidecar].url: 127.0.0.1 is a blocked destination: loopback (127.0.0.0/8)"
                                + allow,
                        "dispatcher.yaml: subscriptions[metadata].url: 169.254.169.254 is a blocked destination: link-local (cloud metadata) (169.254.0.0/16)"
                                + allow,
                        "dispatcher.yaml: subscriptions[private].url: 10.0.0.1 is a blocked destination: private (RFC 1918) (10.0.0.0/8)"
                                + allow,
                        "dispatcher.yaml: subscriptions[v6].url: [::1] is a blocked destination: loopback (0:0:0:0:0:0:0:1/128)"
                                + allow,
                        "dispatcher.yaml: subscriptions[zero].url: 0.0.0.0 is a blocked destination: unspecified ('this network') (0.0.0.0/8)"
                                + allow,
                        "dispatcher.yaml: subscriptions[decimal].url: 2130706433 (read as 127.0.0.1) is a blocked destination: loopback (127.0.0.0/8)"
                                + allow,
                        "dispatcher.yaml: subscriptions[mapped].url: [::ffff:169.254.169.254] is a blocked destination: link-local (cloud metadata) (169.254.0.0/16)"
                                + allow,
                        // the JDK's URI finds no host in this form, so the client could not send to it either
                        "dispatcher.yaml: subscriptions[hex].url: must be an absolute http or https URL (got 'http://0x7f.1/…')");
    }

    @Test
    void shouldAcceptLiteralsInsideAllowedNetworks() throws Exception {
        DispatcherConfig config = loader.parse("""
                delivery:
                  allowedNetworks: [127.0.0.0/8, "::1/128", 10.20.0.0/16]
                subscriptions:
                  - {id: local, url: "http://127.0.0.1:9000/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: v6, url: "http://[::1]:9000/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: cluster, url: "http://10.20.3.4/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                """, "dispatcher.yaml");

        assertThat(config.delivery().destinations().allowedNetworks())
                .extracting(Object::toString)
                .containsExactly("127.0.0.0/8", "0:0:0:0:0:0:0:1/128", "10.20.0.0/16");
        assertThat(config.delivery().destinations().requireHttps()).isFalse();
        assertThat(config.subscriptions()).hasSize(3);
    }

    @Test
    void shouldReportEveryBadAllowedNetwork() {
        List<String> errors = errorsOf("""
                delivery:
                  allowedNetworks: [10.0.0.1/8, 10.0.0.0, "fd00::/200", example.com/16, 10.0.0.0/8]
                subscriptions:
                  - {id: a, url: "https://example.com/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                """);

        assertThat(errors)
                .containsExactly(
                        "dispatcher.yaml: delivery.allowedNetworks[0]: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?",
                        "dispatcher.yaml: delivery.allowedNetworks[1]: '10.0.0.0' must be a CIDR such as 10.0.0.0/8 or fd00::/8",
                        "dispatcher.yaml: delivery.allowedNetworks[2]: prefix length must be 0 to 128 (got 200)",
                        "dispatcher.yaml: delivery.allowedNetworks[3]: 'example.com/16': 'example.com' is not a dotted-quad IPv4 address (a.b.c.d, no leading zeros)");
    }

    @Test
    void shouldRefusePlainHttpWhenHttpsIsRequired() {
        List<String> errors = errorsOf("""
                delivery:
                  requireHttps: true
                  allowedNetworks: [127.0.0.0/8]
                subscriptions:
                  - {id: plain, url: "http://example.com/h?token=abc", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: local, url: "http://127.0.0.1:9000/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - {id: tls, url: "https://example.com/h", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                """);

        assertThat(errors)
                .containsExactly(
                        "dispatcher.yaml: subscriptions[plain].url: plain http is refused (delivery.requireHttps is true): use https",
                        "dispatcher.yaml: subscriptions[local].url: plain http is refused (delivery.requireHttps is true): use https");
    }

    @Test
    void shouldRequireTheSubscriptionsList() {
        assertThat(errorsOf("kafka: {}\n"))
                .containsExactly("dispatcher.yaml: subscriptions: is required: a list of subscriptions");
    }

    @Test
    void shouldRejectUnknownTopLevelKeysAndNonMappings() {
        assertThat(errorsOf("subscription: []\n" + MINIMAL)).contains("dispatcher.yaml: subscription: unknown key");
        assertThat(errorsOf("kafka: localhost\n" + MINIMAL)).contains("dispatcher.yaml: kafka: must be a mapping");
    }

    @Test
    void shouldNeverShowSecretsInToStringOrErrors() throws Exception {
        env.put("SASL", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";");
        DispatcherConfig config = loader.parse("""
                kafka:
                  properties:
                    sasl.jaas.config: ${SASL}
                    ssl.key.password: hunter2
                subscriptions:
                  - id: crm-sync
                    url: https://user:hunter2@example.com/hooks?token=hunter2
                    secret: hunter2-hunter2-hunter2-hunter2
                    events: ["*"]
                """, "f");

        assertThat(config.toString()).doesNotContain("hunter2").contains("****");
        assertThat(errorsOf("""
                subscriptions:
                  - id: x
                    url: mailto://user:hunter2@example.com/?token=hunter2
                    secret: hunter2
                    events: ["*"]
                """)).allSatisfy(e -> assertThat(e).doesNotContain("hunter2"));
    }

    @Test
    void shouldParseDurations() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> Durations.parse("5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Durations.parse("1.5s")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Durations.format(Duration.ofMinutes(30))).isEqualTo("30m");
        assertThat(Durations.format(Duration.ofMillis(200))).isEqualTo("200ms");
    }

    @Test
    void shouldAcceptTheShippedConfigs() throws Exception {
        var example = loader.load(java.nio.file.Path.of("config/example.yaml"));
        env.put("DEMO_BROKER", "localhost:1");
        env.put("DEMO_RECEIVER", "http://localhost:2");
        var demo = loader.load(java.nio.file.Path.of("config/demo.yaml"));

        assertThat(example.subscriptions()).hasSize(1);
        assertThat(demo.subscriptions()).hasSize(4);
    }

    @Test
    void shouldSizeTheDefaultMemoryBoundToTheHeap() {
        assertThat(DispatcherConfig.Delivery.defaultBufferedBytes(256L << 20)).isEqualTo(32L << 20);
        assertThat(DispatcherConfig.Delivery.defaultBufferedBytes(384L << 20)).isEqualTo(48L << 20);
        assertThat(DispatcherConfig.Delivery.defaultBufferedBytes(4L << 30)).isEqualTo(64L << 20);
        assertThat(DispatcherConfig.Delivery.defaultBufferedBytes(64L << 20)).isEqualTo(16L << 20);
    }

    // --- signing: secrets, secretFile, signature

    private static final String CURRENT = "current-secret-of-24-bytes-or-more";
    private static final String PREVIOUS = "previous-secret-of-24-bytes-or-more";

    private static String subscription(String signingLines) {
        return """
                subscriptions:
                  - id: a
                    url: https://example.com/a
                    events: ["*"]
                """ + signingLines.indent(4);
    }

    @Test
    void shouldSignWithTheTwentySchemeAndOneSecretByDefault() throws Exception {
        var signing = loader.parse(subscription("secret: " + CURRENT), "f")
                .subscriptions()
                .get(0)
                .signing();

        assertThat(signing).isEqualTo(Signing.twenty(new Secret(CURRENT)));
    }

    @Test
    void shouldReadSecretsForARotationCurrentFirstWithTheChosenScheme() throws Exception {
        env.put("PREVIOUS", PREVIOUS);

        var signing = loader.parse(
                        subscription("signature: standard-webhooks\nsecrets: [" + CURRENT + ", \"${PREVIOUS}\"]"), "f")
                .subscriptions()
                .get(0)
                .signing();

        assertThat(signing.scheme()).isEqualTo(Signing.Scheme.STANDARD_WEBHOOKS);
        assertThat(signing.secrets()).containsExactly(new Secret(CURRENT), new Secret(PREVIOUS));
        assertThat(signing.secretFile()).isEmpty();
    }

    @Test
    void shouldReadASecretFileOneSecretPerLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("secrets"), "  " + CURRENT + "\n\n" + PREVIOUS + "\r\n");

        var signing = loader.parse(subscription("signature: both\nsecretFile: " + file), "f")
                .subscriptions()
                .get(0)
                .signing();

        assertThat(signing.scheme()).isEqualTo(Signing.Scheme.BOTH);
        assertThat(signing.secrets()).containsExactly(new Secret(CURRENT), new Secret(PREVIOUS));
        assertThat(signing.secretFile()).contains(file);
    }

    @Test
    void shouldRequireExactlyOneOfSecretSecretsAndSecretFile() {
        assertThat(errorsOf(subscription("")))
                .containsExactly(
                        "dispatcher.yaml: subscriptions[a].secret: is required (or secrets: [current, previous], or"
                                + " secretFile)");
        assertThat(errorsOf(subscription("secret: " + CURRENT + "\nsecrets: [" + PREVIOUS + "]")))
                .containsExactly(
                        "dispatcher.yaml: subscriptions[a].secrets: only one of secret, secrets and secretFile may be given");
        assertThat(errorsOf(subscription("secrets: []")))
                .containsExactly("dispatcher.yaml: subscriptions[a].secrets: must not be empty");
        assertThat(errorsOf(subscription("secret: " + CURRENT + "\nsignature: svix")))
                .containsExactly(
                        "dispatcher.yaml: subscriptions[a].signature: must be twenty, standard-webhooks or both (got 'svix')");
    }

    @Test
    void shouldRejectShortOrUnreadableSecretsWithoutShowingThem(@TempDir Path dir) throws Exception {
        Path weakFile = Files.writeString(dir.resolve("weak"), CURRENT + "\nhunter2\n");
        Path emptyFile = Files.writeString(dir.resolve("empty"), "\n");
        Path missing = dir.resolve("missing");

        List<String> errors = new java.util.ArrayList<>();
        errors.addAll(errorsOf(subscription("secrets: [" + CURRENT + ", hunter2]")));
        errors.addAll(errorsOf(subscription("secret: whsec_aHVudGVyMg==")));
        errors.addAll(errorsOf(subscription("secret: whsec_hunter2!")));
        errors.addAll(errorsOf(subscription("secretFile: " + weakFile)));
        errors.addAll(errorsOf(subscription("secretFile: " + emptyFile)));
        errors.addAll(errorsOf(subscription("secretFile: " + missing)));

        assertThat(errors)
                .containsExactly(
                        "dispatcher.yaml: subscriptions[a].secrets[1]: is too short: 7 bytes of key material, at least 24"
                                + " are needed (a whsec_ secret counts its base64-decoded bytes); generate one with:"
                                + " echo whsec_$(openssl rand -base64 32)",
                        "dispatcher.yaml: subscriptions[a].secret: is too short: 7 bytes of key material, at least 24"
                                + " are needed (a whsec_ secret counts its base64-decoded bytes); generate one with:"
                                + " echo whsec_$(openssl rand -base64 32)",
                        "dispatcher.yaml: subscriptions[a].secret: must be base64 after the whsec_ prefix",
                        "dispatcher.yaml: subscriptions[a].secretFile: secret 2 of the file is too short: 7 bytes of key"
                                + " material, at least 24 are needed (a whsec_ secret counts its base64-decoded bytes);"
                                + " generate one with: echo whsec_$(openssl rand -base64 32)",
                        "dispatcher.yaml: subscriptions[a].secretFile: " + emptyFile
                                + " holds no secret (one per line, the current one first)",
                        "dispatcher.yaml: subscriptions[a].secretFile: cannot read " + missing
                                + ": NoSuchFileException");
        assertThat(errors).noneMatch(e -> e.contains("hunter2") || e.contains("aHVudGVyMg") || e.contains(CURRENT));
    }

    @Test
    void shouldBindTheManagementPortToAnIpLiteralOnly() throws Exception {
        String with = MINIMAL + "management:\n  address: %s\n";

        assertThat(loader.parse(with.formatted("127.0.0.1"), "d.yaml")
                        .management()
                        .address())
                .isEqualTo("127.0.0.1");
        assertThat(loader.parse(with.formatted("\"::1\""), "d.yaml")
                        .management()
                        .address())
                .isEqualTo("::1");
        assertThat(errorsOf(with.formatted("metrics.internal")))
                .containsExactly("dispatcher.yaml: management.address: must be an IP address such as 0.0.0.0,"
                        + " 127.0.0.1 or :: (got 'metrics.internal')");
        assertThat(errorsOf(with.formatted("300.1.1.1"))).hasSize(1);
    }

    @Test
    void shouldRefuseAReplicationFactorThatKafkaCannotHold() throws Exception {
        String with = MINIMAL + "topics:\n  replicationFactor: %s\n";

        assertThat(loader.parse(with.formatted("32767"), "d.yaml").topics().replicationFactor())
                .isEqualTo((short) 32767);
        assertThat(errorsOf(with.formatted("65539"))) // was taken as 3: the low 16 bits
                .containsExactly(
                        "dispatcher.yaml: topics.replicationFactor: must be a whole number from 1 to 32767 (got '65539')");
        assertThat(errorsOf(with.formatted("0"))).hasSize(1);
    }
}
