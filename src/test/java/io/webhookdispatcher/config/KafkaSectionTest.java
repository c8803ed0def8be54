package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.config.DispatcherConfig.Kafka.StartFrom;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.junit.jupiter.api.Test;

/** The {@code kafka} section: startFrom, and kafka.properties checked with the Kafka clients' own definitions. */
class KafkaSectionTest {
    private static final String SUBSCRIPTIONS = """
            subscriptions:
              - {id: crm-sync, url: "https://example.com/hooks", secret: s3cr3t-of-24-bytes-or-more, events: ["*"]}
            """;

    private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

    private DispatcherConfig load(String kafka) throws ConfigException {
        return loader.parse(kafka + SUBSCRIPTIONS, "dispatcher.yaml");
    }

    private List<String> errorsOf(String kafka) {
        try {
            load(kafka);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected the config to be rejected");
    }

    @Test
    void shouldStartNewGroupsFromLatestByDefault() throws Exception {
        // when
        DispatcherConfig config = load("");

        // then
        assertThat(config.kafka().startFrom()).isEqualTo(StartFrom.LATEST);
        assertThat(KafkaClientSettings.consumer(
                        config.kafka(), "g", "c", config.kafka().startFrom()))
                .containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest")
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    @Test
    void shouldTakeTheCallersPollSizeUnlessConfigured() throws Exception {
        assertThat(KafkaClientSettings.consumer(load("").kafka(), "g", "c", StartFrom.LATEST, 24))
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 24);
        assertThat(KafkaClientSettings.consumer(
                        load("kafka: {properties: {max.poll.records: '100'}}\n").kafka(),
                        "g",
                        "c",
                        StartFrom.LATEST,
                        24))
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
    }

    @Test
    void shouldStartFromEarliestWhenConfigured() throws Exception {
        assertThat(load("kafka: {startFrom: earliest}\n").kafka().startFrom()).isEqualTo(StartFrom.EARLIEST);
    }

    @Test
    void shouldRejectAnUnknownStartFrom() {
        assertThat(errorsOf("kafka: {startFrom: beginning}\n"))
                .containsExactly("dispatcher.yaml: kafka.startFrom: must be latest or earliest (got 'beginning')");
    }

    @Test
    void shouldRejectAutoOffsetResetInFavourOfStartFrom() {
        assertThat(errorsOf("kafka: {properties: {auto.offset.reset: earliest}}\n"))
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: kafka.properties.auto.offset.reset: set kafka.startFrom");
    }

    @Test
    void shouldRejectABadPropertyWithTheKafkaClientsOwnMessage() {
        // when
        List<String> errors = errorsOf("kafka: {properties: {security.protocol: BOGUS}}\n");

        // then
        assertThat(errors)
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: kafka.properties.security.protocol: Invalid value BOGUS for"
                        + " configuration security.protocol")
                .contains("SASL_SSL");
    }

    @Test
    void shouldReportEveryBadPropertyAtOnce() {
        // when
        List<String> errors = errorsOf("""
                kafka:
                  properties:
                    request.timeout.ms: soon
                    compression.type: zip
                    sasl.mechanism: PLAIN
                """);

        // then
        assertThat(errors)
                .hasSize(2)
                .anySatisfy(e -> assertThat(e)
                        .startsWith(
                                "dispatcher.yaml: kafka.properties.request.timeout.ms: Invalid value soon for configuration"
                                        + " request.timeout.ms: Not a number of type INT"))
                .anySatisfy(e -> assertThat(e)
                        .startsWith("dispatcher.yaml: kafka.properties.compression.type: Invalid value zip"));
    }

    @Test
    void shouldRejectPropertiesThatConflictInTheSettingsAClientGets() {
        // given: retries 0 is a valid value, but not for the idempotent producer the dispatcher always uses
        List<String> errors = errorsOf("kafka: {properties: {retries: 0}}\n");

        // then
        assertThat(errors)
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: kafka.properties: ")
                .contains("retries")
                .contains("idempotent")
                .endsWith("(in the settings of the producer)");
    }

    @Test
    void shouldAcceptPropertiesThatKafkaDefinesAndPluginSettingsItDoesNot() throws Exception {
        // when
        DispatcherConfig config = load("""
                kafka:
                  properties:
                    security.protocol: sasl_ssl
                    sasl.mechanism: SCRAM-SHA-512
                    client.rack: eu-west-1a
                    max.poll.records: "200"
                    awsDebugCreds: "true"
                """);

        // then: the unknown key is a warning only (logged) and is passed on
        assertThat(config.kafka().properties()).containsEntry("awsDebugCreds", "true");
    }

    @Test
    void shouldLeaveTheAssignorToTheBrokerWithTheConsumerProtocol() throws Exception {
        // given
        DispatcherConfig classic = load("");
        DispatcherConfig kip848 = load("kafka: {properties: {group.protocol: consumer}}\n");

        // then
        assertThat(KafkaClientSettings.consumer(classic.kafka(), "g", "c", StartFrom.LATEST))
                .containsEntry(
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        assertThat(KafkaClientSettings.consumer(kip848.kafka(), "g", "c", StartFrom.LATEST))
                .doesNotContainKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)
                .containsEntry(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    }

    @Test
    void shouldRejectSettingsTheConsumerProtocolDoesNotSupportWithKafkasMessage() {
        // when
        List<String> errors = errorsOf("kafka: {properties: {group.protocol: consumer, session.timeout.ms: 30000}}\n");

        // then
        assertThat(errors)
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: kafka.properties: ")
                .contains("session.timeout.ms")
                .endsWith("(in the settings of the consumers)");
    }

    @Test
    void shouldShowStartFromButMaskSecretsInToString() throws Exception {
        // when
        String shown = load("kafka: {startFrom: earliest, properties: {sasl.jaas.config: \"x password=hunter2;\"}}\n")
                .kafka()
                .toString();

        // then
        assertThat(shown).contains("startFrom=earliest").doesNotContain("hunter2");
    }
}
