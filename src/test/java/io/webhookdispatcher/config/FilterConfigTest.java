package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code subscriptions[].filter}: compiled and type-checked at load, errors named by subscription. */
class FilterConfigTest {
    private final ConfigLoader loader = new ConfigLoader(Map.of("SECRET", "s3cr3t-value-of-24-bytes-or-more")::get);

    private static String config(String filter) {
        return """
                subscriptions:
                  - id: plain
                    url: https://example.com/plain
                    secret: ${SECRET}
                    events: ["*"]
                  - id: big-wins
                    url: https://example.com/wins
                    secret: ${SECRET}
                    events: ["opportunity.*"]
                    filter: '%s'
                """.formatted(filter);
    }

    private List<String> errorsOf(String yaml) {
        return Rejected.errorsOf(loader, yaml);
    }

    @Test
    void shouldCompileAFilterAndLeaveOtherSubscriptionsWithout() throws Exception {
        var config = loader.parse(
                config("data.stage == \"WON\" && data.amount.amountMicros > 1000000000"), "dispatcher.yaml");

        assertThat(config.subscriptions().get(0).filter()).isEmpty();
        assertThat(config.subscriptions().get(1).filter())
                .get()
                .hasToString("data.stage == \"WON\" && data.amount.amountMicros > 1000000000");
    }

    @Test
    void shouldRejectASyntaxErrorNamingTheSubscription() {
        assertThat(errorsOf(config("data.stage == \"WON")))
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: subscriptions[big-wins].filter: is not a valid CEL filter:");
    }

    @Test
    void shouldRejectATypeErrorNamingTheSubscription() {
        assertThat(errorsOf(config("event > 3")))
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: subscriptions[big-wins].filter: is not a valid CEL filter:");
        assertThat(errorsOf(config("size(event) == \"three\"")))
                .singleElement()
                .asString()
                .contains("subscriptions[big-wins].filter");
    }

    @Test
    void shouldRejectAFilterThatIsNotAString() {
        assertThat(errorsOf(config("x").replace("filter: 'x'", "filter: [1, 2]")))
                .singleElement()
                .asString()
                .contains("subscriptions[big-wins].filter");
    }
}
