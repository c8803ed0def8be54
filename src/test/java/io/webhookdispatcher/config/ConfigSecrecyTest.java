package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whoever edits the config chooses destinations, but must not read the pod's other secrets: {@code ${…}} is
 * expanded only where credentials and endpoints live, and no error shows an expanded value.
 */
class ConfigSecrecyTest {
    /** Distinctive, so that any appearance of it (or of a part) in a message is found. */
    static final String SECRET = "whsec-Zq81TopSecretValue";

    private final Map<String, String> env = new HashMap<>(Map.of("WEBHOOK_SECRET_CRM_SYNC", SECRET));
    private final ConfigLoader loader = new ConfigLoader(env::get);

    @AfterEach
    void clearProviders() {
        System.clearProperty(KafkaClientSettings.CONFIG_PROVIDERS_PROPERTY);
    }

    private static String subscription(String extra) {
        return """
                subscriptions:
                  - id: crm
                    url: https://example.com/hooks
                    secret: ${WEBHOOK_SECRET_CRM_SYNC}
                    events: ["*"]
                """ + extra;
    }

    private List<String> errorsOf(String yaml) {
        try {
            loader.parse(yaml, "dispatcher.yaml");
        } catch (ConfigException e) {
            assertThat(e.getMessage()).doesNotContain(SECRET);
            return e.errors();
        }
        throw new AssertionError("expected the config to be rejected");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "subscriptions[crm].enabled|    enabled: ${WEBHOOK_SECRET_CRM_SYNC}\n",
                "subscriptions[crm].maxInFlight|    maxInFlight: ${WEBHOOK_SECRET_CRM_SYNC}\n",
                "subscriptions[crm].rateLimit|    rateLimit: \"${WEBHOOK_SECRET_CRM_SYNC}\"\n",
                "subscriptions[crm].circuitBreaker.window|    circuitBreaker: {window: \"${WEBHOOK_SECRET_CRM_SYNC}\"}\n",
                "kafka.groupId|kafka: {groupId: \"${WEBHOOK_SECRET_CRM_SYNC}\"}\n",
                "kafka.startFrom|kafka: {startFrom: \"${WEBHOOK_SECRET_CRM_SYNC}\"}\n",
                "kafka.properties.client.id|kafka: {properties: {client.id: \"${WEBHOOK_SECRET_CRM_SYNC}\"}}\n",
                "kafka.properties.security.protocol|kafka: {properties: {security.protocol: \"${WEBHOOK_SECRET_CRM_SYNC}\"}}\n",
                "topics.events|topics: {events: \"${WEBHOOK_SECRET_CRM_SYNC}\"}\n",
                "retry.schedule|retry: {schedule: [\"${WEBHOOK_SECRET_CRM_SYNC}\"]}\n",
                "management.port|management: {port: \"${WEBHOOK_SECRET_CRM_SYNC}\"}\n",
                "delivery.requestTimeout|delivery: {requestTimeout: \"x${WEBHOOK_SECRET_CRM_SYNC}\"}\n"
            })
    void shouldRejectAReferenceOutsideTheExpandedFieldsWithoutExpandingIt(String keyAndYaml) {
        // given: a reference where no credential or endpoint lives
        String key = keyAndYaml.substring(0, keyAndYaml.indexOf('|'));
        String extra = keyAndYaml.substring(keyAndYaml.indexOf('|') + 1);
        String yaml = extra.startsWith("    ") ? subscription(extra) : extra + subscription("");

        // when
        List<String> errors = errorsOf(yaml);

        // then: one error, naming the key and quoting the template
        assertThat(errors)
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: " + key + ": ${…} is only expanded in subscriptions[].url,")
                .contains("${WEBHOOK_SECRET_CRM_SYNC}")
                .doesNotContain(SECRET);
    }

    @Test
    void shouldRejectAReferenceInAnEventFilterOrASubscriptionId() {
        List<String> errors = errorsOf("""
                subscriptions:
                  - id: ${WEBHOOK_SECRET_CRM_SYNC}
                    url: https://example.com/hooks
                    secret: a-secret-of-24-bytes-or-more
                    events: ["${WEBHOOK_SECRET_CRM_SYNC}"]
                """);

        assertThat(errors)
                .hasSize(2)
                .allSatisfy(e -> assertThat(e).contains("is only expanded in").doesNotContain(SECRET));
    }

    @Test
    void shouldQuoteTheTemplateWhenAnExpandedUrlIsInvalid() {
        assertThat(errorsOf(subscription("").replace("https://example.com/hooks", "${WEBHOOK_SECRET_CRM_SYNC}")))
                .containsExactly("dispatcher.yaml: subscriptions[crm].url: must be an absolute http or https URL"
                        + " (from '${WEBHOOK_SECRET_CRM_SYNC}')");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://evil.example/${WEBHOOK_SECRET_CRM_SYNC}",
                "https://${WEBHOOK_SECRET_CRM_SYNC}.evil.example/",
                "${CRM_URL}.evil.example/x",
                "${CRM_URL}/${WEBHOOK_SECRET_CRM_SYNC}"
            })
    void shouldRefuseAUrlWhoseHostTheFileChoosesAroundAVariable(String url) {
        // given: a legitimate base URL in the environment too
        env.put("CRM_URL", "https://crm.example.com");

        // then: the file could otherwise send a variable to a host of its choosing
        assertThat(errorsOf(subscription("").replace("https://example.com/hooks", url)))
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: subscriptions[crm].url: ${…} in a URL must begin it, once,")
                .doesNotContain(SECRET)
                .doesNotContain("crm.example.com");
    }

    @Test
    void shouldExpandAUrlThatAVariableBegins() throws Exception {
        env.put("CRM_URL", "https://crm.example.com");

        var config = loader.parse(subscription("").replace("https://example.com/hooks", "${CRM_URL}/hooks?v=1"), "f");

        assertThat(config.subscriptions().get(0).url()).hasToString("https://crm.example.com/hooks?v=1");
    }

    @Test
    void shouldQuoteTheTemplateWhenExpandedBootstrapServersAreInvalid() {
        assertThat(errorsOf("kafka: {bootstrapServers: \"${WEBHOOK_SECRET_CRM_SYNC}\"}\n" + subscription("")))
                .containsExactly("dispatcher.yaml: kafka.bootstrapServers: must be host:port pairs separated by commas"
                        + " (from '${WEBHOOK_SECRET_CRM_SYNC}')");
        assertThat(errorsOf("kafka: {bootstrapServers: \"${WEBHOOK_SECRET_CRM_SYNC}.evil.example:9092\"}\n"
                        + subscription("")))
                .singleElement()
                .asString()
                .contains("kafka.bootstrapServers: ${…} must be the whole value");
    }

    @Test
    void shouldExpandBootstrapServersAndKafkaPasswords() throws Exception {
        env.put("BROKERS", "b-1.kafka:9092, [::1]:9093");
        env.put("KAFKA_SASL_PASSWORD", "kafka-pw-123");

        var kafka = loader.parse("""
                kafka:
                  bootstrapServers: ${BROKERS}
                  properties:
                    sasl.jaas.config: 'x required username="u" password="${KAFKA_SASL_PASSWORD}";'
                    ssl.truststore.password: ${KAFKA_SASL_PASSWORD:-unused}
                """ + subscription(""), "f").kafka();

        assertThat(kafka.bootstrapServers()).isEqualTo("b-1.kafka:9092, [::1]:9093");
        assertThat(kafka.properties())
                .containsEntry("sasl.jaas.config", "x required username=\"u\" password=\"kafka-pw-123\";")
                .containsEntry("ssl.truststore.password", "kafka-pw-123");
        assertThat(kafka.toString()).doesNotContain("kafka-pw-123");
    }

    @Test
    void shouldNameAnUnsetVariableButNotExpandAnythingElse() {
        assertThat(errorsOf(subscription("").replace("${WEBHOOK_SECRET_CRM_SYNC}", "${UNSET_ONE}")))
                .containsExactly(
                        "dispatcher.yaml: subscriptions[crm].secret: environment variable UNSET_ONE is not set");
    }

    @Test
    void shouldRejectDuplicateKeysNamingTheKeyAndLine() {
        // given: a second secret that would silently win
        List<String> errors = errorsOf("""
                subscriptions:
                  - id: crm
                    url: https://example.com/hooks
                    secret: ${WEBHOOK_SECRET_CRM_SYNC}
                    events: ["*"]
                    secret: attacker-chosen
                """);

        assertThat(errors)
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: line 6: not valid YAML: ")
                .contains("Duplicate field 'secret'");
    }

    @Test
    void shouldRejectDuplicateTopLevelSections() {
        assertThat(errorsOf("kafka: {groupId: a}\n" + subscription("") + "kafka: {groupId: b}\n"))
                .singleElement()
                .asString()
                .contains("line 7")
                .contains("Duplicate field 'kafka'");
    }

    @Test
    void shouldMaskKafkaPasswordsByTheirKafkaTypeAndUnknownKeysByDefault() throws Exception {
        var kafka = loader.parse("""
                kafka:
                  properties:
                    sasl.oauthbearer.assertion.private.key.passphrase: hunter2-passphrase
                    awsSecretForPlugin: hunter2-plugin
                    client.rack: eu-west-1a
                """ + subscription(""), "f").kafka();

        assertThat(KafkaClientSettings.isSecret("sasl.oauthbearer.assertion.private.key.passphrase"))
                .isTrue();
        assertThat(KafkaClientSettings.isSecret("client.rack")).isFalse();
        assertThat(kafka.toString())
                .doesNotContain("hunter2")
                .contains("awsSecretForPlugin=****")
                .contains("client.rack=eu-west-1a");
    }

    @Test
    void shouldRejectConfigProvidersUnlessTheOperatorEnabledThem() throws Exception {
        String yaml = """
                kafka:
                  properties:
                    config.providers: file
                    config.providers.file.class: org.apache.kafka.common.config.provider.FileConfigProvider
                    sasl.jaas.config: ${file:/etc/passwd:root}
                """ + subscription("");

        // when: nobody enabled them
        assertThat(errorsOf(yaml))
                .anySatisfy(e -> assertThat(e)
                        .startsWith("dispatcher.yaml: kafka.properties.config.providers: Kafka config providers are"
                                + " disabled"))
                .anySatisfy(e -> assertThat(e)
                        .startsWith("dispatcher.yaml: kafka.properties.sasl.jaas.config: ${…} must name an environment"
                                + " variable"));

        // when: the operator listed the class with -D (JAVA_OPTS)
        System.setProperty(
                KafkaClientSettings.CONFIG_PROVIDERS_PROPERTY,
                "org.apache.kafka.common.config.provider.FileConfigProvider");
        assertThat(loader.parse(yaml, "f").kafka().properties())
                .containsEntry("sasl.jaas.config", "${file:/etc/passwd:root}");
    }

    @Test
    void shouldHideKafkasOwnMessageForAPasswordKeyButKeepItForOthers() {
        // a literal non-secret value is the file's own text: Kafka's message may quote it
        assertThat(errorsOf("kafka: {properties: {security.protocol: BOGUS}}\n" + subscription("")))
                .singleElement()
                .asString()
                .contains("Invalid value BOGUS");
    }
}
