package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.FakeSender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hot reload applies subscriptions under the running delivery settings, which only a restart changes. */
class ConfigWatcherTest {
    private static final String SUBSCRIPTION =
            "subscriptions:\n  - {id: a, url: '%s', secret: a-secret-of-24-bytes-or-more, events: ['*']}\n";

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

    @Test
    void shouldRefuseAReloadThatOnlyTheNewDeliverySectionAllows() throws Exception {
        // given: running with requireHttps and a receiver on loopback allowed
        Path file = dir.resolve("dispatcher.yaml");
        String delivery = "delivery: {requireHttps: %s, allowedNetworks: [%s]}\n";
        Files.writeString(
                file, delivery.formatted(true, "127.0.0.0/8") + SUBSCRIPTION.formatted("https://127.0.0.1/x"));
        var initial = loader.load(file);
        var subscriptions = new Subscriptions(initial.subscriptions(), new FakeSender(), Clock.systemUTC(), l -> {});
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var watcher = new ConfigWatcher(
                file,
                loader,
                initial,
                subscriptions::replace,
                new DispatcherMetrics(registry, true, List.of()),
                () -> {});

        // when: an edit turns requireHttps off and points the subscription at plain http
        Files.writeString(
                file, delivery.formatted(false, "127.0.0.0/8") + SUBSCRIPTION.formatted("http://127.0.0.1/x"));
        watcher.run();

        // then: refused, the running subscription stays
        assertThat(subscriptions.lane("a").orElseThrow().subscription().url()).hasToString("https://127.0.0.1/x");
        assertThat(registry.scrape()).contains("webhook_config_reloads_total{result=\"rejected\"} 1.0");

        // when: an edit that the running settings allow as well
        Files.writeString(
                file, delivery.formatted(true, "127.0.0.0/8") + SUBSCRIPTION.formatted("https://127.0.0.1/y"));
        watcher.run();

        // then: applied
        assertThat(subscriptions.lane("a").orElseThrow().subscription().url()).hasToString("https://127.0.0.1/y");
    }
}
