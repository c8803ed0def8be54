package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** subscriptions[].filter on the real broker: exactly the matching events, nothing stalls, bad expressions refused. */
@ExtendWith(DispatcherExtension.class)
class PayloadFilterIT {
    private static final String BIG_WINS = "data.stage == \"WON\" && data.amount.amountMicros > 1000000000";
    private static final String WINS_SECRET = "secret-wins-of-24-bytes-or-more";

    /** Of every 4: a big win (matches), a small win, a big loss (neither matches), a win without an amount (fails). */
    private static byte[] opportunity(int i) {
        String amount = switch (i % 4) {
            case 0, 2 -> ",\"amount\":{\"amountMicros\":2000000000,\"currencyCode\":\"EUR\"}";
            case 1 -> ",\"amount\":{\"amountMicros\":5,\"currencyCode\":\"EUR\"}";
            default -> "";
        };
        String stage = i % 4 == 2 ? "LOST" : "WON";
        return ("{\"event\":\"opportunity.updated\",\"data\":{\"id\":\"o-" + i + "\",\"stage\":\"" + stage + "\""
                        + amount + "},\"timestamp\":\"2026-11-30T10:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private DispatcherFixture withWins(DispatcherFixture dispatcher, String filter) {
        return dispatcher.subscription(Map.of(
                "id",
                "wins",
                "url",
                dispatcher.receiver().url("/wins"),
                "secret",
                WINS_SECRET,
                "events",
                List.of("opportunity.*"),
                "filter",
                filter));
    }

    @Test
    void shouldDeliverExactlyTheMatchingEventsAndKeepTheRunningFilterWhenAReloadedOneIsBroken(
            DispatcherFixture dispatcher) throws Exception {
        // given: a filtered subscription and an unfiltered one, on a reloading dispatcher
        dispatcher.receiver().endpoint("/wins", WINS_SECRET);
        dispatcher.with("reload.interval", "200ms").subscription("all", "/all", "[\"*\"]");
        var app = withWins(dispatcher, BIG_WINS).startWithReload();

        // when: 40 events, of which 10 match, 20 do not and 10 lack the filtered field
        int count = 40;
        for (int i = 0; i < count; i++) {
            dispatcher.kafka().sendAsync(dispatcher.eventsTopic(), "o-" + i, opportunity(i));
        }
        dispatcher.kafka().flush();

        // then: the unfiltered subscription gets all, every record commits (nothing stalls on a failed filter)
        await().atMost(Duration.ofSeconds(30))
                .until(() -> dispatcher.receivedIds("/all").size() == count && dispatcher.uncommittedEvents() == 0);
        Set<String> bigWins = new HashSet<>();
        for (int i = 0; i < count; i += 4) {
            bigWins.add("o-" + i);
        }
        assertThat(dispatcher.receivedIds("/wins")).isEqualTo(bigWins);
        // and: every event is either delivered to the filtered subscription or filtered out (no match, or an error)
        double filtered = counter(app, "webhook.events.filtered", "wins");
        double errors = counter(app, "webhook.filter.errors", "wins");
        assertThat(filtered).isEqualTo(20);
        assertThat(errors).isEqualTo(10);
        assertThat(dispatcher.receivedIds("/wins").size() + filtered + errors).isEqualTo(count);
        assertThat(counter(app, "webhook.filter.errors", "all")).isZero();
        assertThat(counter(app, "webhook.events.filtered", "all")).isZero();

        // when: a reload brings a filter that does not type-check
        dispatcher.withoutSubscriptions().subscription("all", "/all", "[\"*\"]");
        withWins(dispatcher, "data.stage == \"WON\" && event > 3").writeConfig();
        await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "rejected") == 1);
        dispatcher.send("late-0", opportunity(count)); // count % 4 == 0: a big win
        dispatcher.send("late-1", opportunity(count + 1));

        // then: the running filter stays
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.receivedIds("/all").size() == count + 2 && dispatcher.uncommittedEvents() == 0);
        assertThat(dispatcher.receivedIds("/wins")).hasSize(bigWins.size() + 1).contains("o-" + count);
        assertThat(reloads(app, "applied")).isZero();
    }

    @Test
    void shouldRefuseToStartWithABrokenFilterNamingTheSubscription(DispatcherFixture dispatcher) {
        withWins(dispatcher, "data.stage == \"WON");

        assertThatThrownBy(dispatcher::start)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("subscriptions[wins].filter");
    }

    private static double counter(Application app, String name, String subscription) {
        var c = app.registry().find(name).tag("subscription", subscription).counter();
        assertThat(c).as("%s{subscription=%s} registered", name, subscription).isNotNull();
        return c.count();
    }

    private static double reloads(Application app, String result) {
        var counter = app.registry()
                .find("webhook.config.reloads")
                .tag("result", result)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
