package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** metrics.subscriptionLabels: with 10,000 workspace subscriptions the scrape stays bounded and says which fail. */
class TelemetryTest {
    private static final int SUBSCRIPTIONS = 10_000;

    /** 10,000 subscriptions over 5,000 workspaces, plus one of the operator's without a workspace. */
    private static DispatcherConfig config(String labels) throws Exception {
        return config(labels, SUBSCRIPTIONS);
    }

    private static DispatcherConfig config(String labels, int count) throws Exception {
        String subs = IntStream.range(0, count)
                .mapToObj(i -> """
                          - id: s%d
                            workspaceId: w%d
                            url: https://hooks.example.com/%d
                            secret: ${S}
                            events: ["*"]
                        """.formatted(i, i % 5000, i))
                .collect(Collectors.joining());
        String yaml = "metrics:\n  subscriptionLabels: " + labels + "\nsubscriptions:\n"
                + "  - id: audit\n    url: https://audit.example.com/\n    secret: ${S}\n    events: [\"*\"]\n" + subs;
        return new ConfigLoader(Map.of("S", "s3cr3t-value-of-24-bytes-or-more")::get).parse(yaml, "tenants.yaml");
    }

    private static Subscriptions subscriptions(DispatcherConfig config, Telemetry telemetry, FakeClock clock) {
        return new Subscriptions(config.subscriptions(), new FakeSender(), clock, telemetry.laneMeters(clock));
    }

    @Test
    void shouldKeepTheScrapeUnderOneMegabyteWithTenThousandWorkspaceSubscriptionsByDefault() throws Exception {
        // given: the default, unscoped
        DispatcherConfig config = config("unscoped");
        var clock = new FakeClock();
        var telemetry = new Telemetry(config);

        // when
        subscriptions(config, telemetry, clock);
        String scrape = telemetry.registry.scrape();

        // then: the operator's subscription has its own series, the 10,000 share one label
        assertThat(scrape.getBytes(StandardCharsets.UTF_8).length).isLessThan(1 << 20);
        assertThat(scrape).contains("subscription=\"audit\"").contains("subscription=\"(workspaces)\"");
        assertThat(scrape).doesNotContain("subscription=\"s1\"");
        assertThat(scrape).contains("webhook_inflight_deliveries{subscription=\"(workspaces)\"} 0.0");
    }

    @Test
    void shouldGiveEverySubscriptionItsOwnSeriesWhenAskedAndNoneWithNone() throws Exception {
        DispatcherConfig all = config("all", 300);
        var clock = new FakeClock();
        var perSubscription = new Telemetry(all);
        subscriptions(all, perSubscription, clock);
        DispatcherConfig none = config("none", 300);
        var together = new Telemetry(none);
        subscriptions(none, together, clock);

        // then: with all, 300 subscriptions already take over 1 MB; none is one label
        assertThat(perSubscription.registry.scrape()).contains("subscription=\"s299\"");
        assertThat(perSubscription.registry.scrape().length()).isGreaterThan(1 << 20);
        assertThat(together.registry.scrape())
                .contains("subscription=\"(all)\"")
                .doesNotContain("subscription=\"audit\"");
    }

    @Test
    void shouldNameTheTenWorkspacesWithTheMostFailingSubscriptions() throws Exception {
        // given: 12 workspaces with auto-disabled subscriptions, w0 with two
        DispatcherConfig config = config("unscoped");
        var clock = new FakeClock();
        var telemetry = new Telemetry(config);
        Subscriptions subscriptions = subscriptions(config, telemetry, clock);
        for (int i = 0; i < 12; i++) {
            subscriptions.endpointDisabled("s" + i, true);
        }
        subscriptions.endpointDisabled("s5000", true); // w0's second

        // when
        telemetry.refreshWorkspaces(subscriptions.all(), clock.millis());

        // then: ten rows, w0 first with 2
        String scrape = telemetry.registry.scrape();
        assertThat(scrape).contains("webhook_workspace_unhealthy_subscriptions{workspace=\"w0\"} 2.0");
        assertThat(scrape.lines().filter(l -> l.startsWith("webhook_workspace_unhealthy_subscriptions{")))
                .hasSize(10);
    }
}
