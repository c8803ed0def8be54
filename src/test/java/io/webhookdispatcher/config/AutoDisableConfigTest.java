package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code topics.operations}, {@code delivery.autoDisableAfter} and its per-subscription override. */
class AutoDisableConfigTest {
    private final ConfigLoader loader = new ConfigLoader(Map.of("SECRET", "s3cr3t-value-of-24-bytes-or-more")::get);

    private static String config(String delivery, String override) {
        return """
                topics: {operations: crm.events.operations}
                delivery: {%s}
                subscriptions:
                  - id: default
                    url: https://example.com/a
                    secret: ${SECRET}
                    events: ["*"]
                  - id: own
                    url: https://example.com/b
                    secret: ${SECRET}
                    events: ["*"]
                    autoDisableAfter: %s
                """.formatted(delivery, override);
    }

    @Test
    void shouldDefaultToFiveDaysLikeSvixAndLetASubscriptionSetItsOwnOrTurnItOff() throws Exception {
        var config = loader.parse(config("", "1h"), "dispatcher.yaml");

        assertThat(config.topics().operations()).contains("crm.events.operations");
        assertThat(config.subscriptions().get(0).autoDisableAfter()).contains(Duration.ofDays(5));
        assertThat(config.subscriptions().get(1).autoDisableAfter()).contains(Duration.ofHours(1));
        assertThat(loader.parse(config("autoDisableAfter: 2d", "off"), "dispatcher.yaml")
                        .subscriptions())
                .extracting(s -> s.autoDisableAfter())
                .containsExactly(Optional.of(Duration.ofDays(2)), Optional.empty());
        assertThat(loader.parse(config("autoDisableAfter: off", "'never'"), "dispatcher.yaml")
                        .subscriptions())
                .allSatisfy(s -> assertThat(s.autoDisableAfter()).isEmpty());
    }

    @Test
    void shouldBeOffWithoutTheOperationsTopic() throws Exception {
        var config = loader.parse(config("", "1h").replace("topics: {operations: crm.events.operations}\n", ""), "f");

        assertThat(config.topics().operations()).isEmpty();
    }

    @Test
    void shouldRejectADurationThatIsNotOne() {
        assertThatThrownBy(() -> loader.parse(config("", "soon"), "dispatcher.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("subscriptions[own].autoDisableAfter");
        assertThatThrownBy(() -> loader.parse(config("autoDisableAfter: 0s", "1h"), "dispatcher.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("delivery.autoDisableAfter: must be longer than zero");
    }
}
