package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 20's smaller config holes: a YAML alias read as its anchor's name ({@code topics.events: *g} read a topic
 * called {@code g}), and nothing said about an allowed range that covers the cloud metadata address or a retry
 * schedule shorter than the breaker's cool-down.
 */
class ConfigWarningsTest {
    private static final String SUBSCRIPTION = """
            subscriptions:
              - {id: a, url: "https://example.com/h", secret: "${S}", events: ["*"]}
            """;

    private final ConfigLoader loader = new ConfigLoader(Map.of("S", "s3cr3t-value-of-24-bytes-or-more")::get);

    @Test
    void shouldRefuseAYamlAliasAndItsAnchorNamingTheirKeyPaths() {
        String yaml = """
                kafka: {groupId: &g crm}
                topics: {events: *g}
                """ + SUBSCRIPTION;

        assertThatThrownBy(() -> loader.parse(yaml, "dispatcher.yaml"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactly(
                                        "dispatcher.yaml: kafka.groupId: YAML anchors (&g) are not supported: write the value"
                                                + " out where it is used",
                                        "dispatcher.yaml: topics.events: YAML aliases (*g) are not supported: write the value"
                                                + " out (an alias was read as its anchor's name)"));
    }

    @Test
    void shouldRefuseAMergeKeyAndAnAnchoredMappingInAList() {
        String yaml = """
                subscriptions:
                  - &base {id: a, url: "https://example.com/h", secret: "${S}", events: ["*"]}
                  - {<<: *base, id: b}
                """;

        assertThatThrownBy(() -> loader.parse(yaml, "dispatcher.yaml"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .anySatisfy(m ->
                                        assertThat(m).startsWith("dispatcher.yaml: subscriptions[0]: YAML anchors"))
                                .anySatisfy(m -> assertThat(m)
                                        .startsWith("dispatcher.yaml: subscriptions[1].<<: YAML aliases")));
    }

    @Test
    void shouldWarnWhenAllowedNetworksCoverTheCloudMetadataAddress() throws Exception {
        String yaml = "delivery: {allowedNetworks: [0.0.0.0/0, 10.0.0.0/8, \"fd00::/8\"]}\n" + SUBSCRIPTION;

        List<String> warnings = loader.read(yaml, "dispatcher.yaml").warnings();

        assertThat(warnings)
                .containsExactly(
                        "dispatcher.yaml: delivery.allowedNetworks: 0.0.0.0/0 covers the cloud metadata address"
                                + " 169.254.169.254: a subscription URL could read the instance's credentials; allow"
                                + " narrower ranges that leave it out",
                        "dispatcher.yaml: delivery.allowedNetworks: fd00:0:0:0:0:0:0:0/8 covers the cloud metadata"
                                + " address fd00:ec2::254: a subscription URL could read the instance's credentials;"
                                + " allow narrower ranges that leave it out");
    }

    @Test
    void shouldWarnWhenTheRetryScheduleEndsBeforeTheBreakersFirstProbe() throws Exception {
        String yaml = """
                retry: {schedule: [100ms, 200ms]}
                delivery: {circuitBreaker: {openDuration: 1s}}
                subscriptions:
                  - {id: a, url: "https://example.com/a", secret: "${S}", events: ["*"]}
                  - {id: b, url: "https://example.com/b", secret: "${S}", events: ["*"],
                     circuitBreaker: {openDuration: 1m}}
                  - {id: c, url: "https://example.com/c", secret: "${S}", events: ["*"],
                     circuitBreaker: {enabled: false}}
                """;

        List<String> warnings = loader.read(yaml, "dispatcher.yaml").warnings();

        assertThat(warnings)
                .containsExactly(
                        "dispatcher.yaml: delivery.circuitBreaker.openDuration: 1s is longer than the whole"
                                + " retry.schedule (300ms): deliveries an open circuit defers are dead-lettered as"
                                + " retries-exhausted before its first probe, never attempted; lengthen the schedule"
                                + " or shorten the cool-down",
                        "dispatcher.yaml: subscriptions[b].circuitBreaker.openDuration: 1m is longer than the whole"
                                + " retry.schedule (300ms): deliveries an open circuit defers are dead-lettered as"
                                + " retries-exhausted before its first probe, never attempted; lengthen the schedule"
                                + " or shorten the cool-down");
    }

    @Test
    void shouldWarnThatMetadataStarIsARecordPatternThatGetsNoMetadataEvent() throws Exception {
        String yaml = """
                subscriptions:
                  - {id: a, url: "https://example.com/a", secret: "${S}", events: ["person.*", "metadata.*"]}
                  - {id: b, url: "https://example.com/b", secret: "${S}", events: ["metadata.*.*", "*"]}
                """;

        List<String> warnings = loader.read(yaml, "dispatcher.yaml").warnings();

        assertThat(warnings)
                .containsExactly("dispatcher.yaml: subscriptions[a].events[1]: 'metadata.*' matches record events of an"
                        + " object called metadata, no metadata event (they are metadata.<name>.<action>): write"
                        + " metadata.*.* for those");
    }

    @Test
    void shouldWarnThatStoredSubscriptionsNeedAnEncryptionKey() throws Exception {
        String topic = "topics: {subscriptions: crm.subscriptions}\n";

        assertThat(loader.read(topic + SUBSCRIPTION, "dispatcher.yaml").warnings())
                .containsExactly("dispatcher.yaml: topics.subscriptions: is set without admin.encryptionKeyFile: its"
                        + " subscriptions' secrets cannot be decrypted, so none of them is applied, and the"
                        + " subscriptions command cannot write");
        assertThat(loader.read(topic + "admin: {encryptionKeyFile: /keys/k}\n" + SUBSCRIPTION, "dispatcher.yaml")
                        .warnings())
                .isEmpty();
    }

    @Test
    void shouldWarnAboutNothingInTheDefaults() throws Exception {
        assertThat(loader.read(SUBSCRIPTION, "dispatcher.yaml").warnings()).isEmpty();
    }
}
