package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.LogCapture;
import io.webhookdispatcher.testkit.SampleEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A running dispatcher whose config editor references the signing secret's variable where it does not belong:
 * the hot reload rejects each edit and the value appears in no log line and no metric.
 */
@ExtendWith(DispatcherExtension.class)
class ConfigSecrecyIT {
    private static final String SECRET = "whsec-It7TopSecretValueQ";
    private static final String REFERENCE = "${WEBHOOK_SECRET_CRM_SYNC}";

    @Test
    void shouldRejectReferencesOutOfPlaceWithoutShowingTheValue(DispatcherFixture dispatcher) throws Exception {
        // given: a subscription signed with the secret from the environment, and a plugin setting from it too
        var receiver = dispatcher.receiver();
        receiver.endpoint("/crm", SECRET);
        dispatcher
                .env("WEBHOOK_SECRET_CRM_SYNC", SECRET)
                .with("topics.partitions", 1)
                .with("reload.interval", "200ms")
                .with("kafka.properties", Map.of("some.plugin.setting", REFERENCE))
                .subscription(entry(receiver.url("/crm"), Map.of()));
        try (var logs = new LogCapture()) {
            var app = dispatcher.startWithReload();
            dispatcher.send("1", SampleEvents.event("person.created", "e1"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.received("/crm").size() == 1); // the receiver checked the signature

            // when: the reference moves where it is not expanded, then into the URL
            dispatcher
                    .withoutSubscriptions()
                    .subscription(entry(receiver.url("/crm"), Map.of("enabled", REFERENCE)))
                    .writeConfig();
            await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "rejected") == 1);
            dispatcher
                    .withoutSubscriptions()
                    .subscription(entry(receiver.url("/crm"), Map.of("url", REFERENCE)))
                    .writeConfig();
            await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "rejected") == 2);

            // then
            String metrics = get(app.managementPort(), "/metrics");
            assertThat(logs.text())
                    .contains("subscriptions[crm].enabled: ${…} is only expanded in")
                    .contains("subscriptions[crm].url: must be an absolute http or https URL (from '" + REFERENCE)
                    .doesNotContain(SECRET.substring(6));
            assertThat(metrics).contains("webhook_config_reloads_total").doesNotContain(SECRET.substring(6));
            assertThat(reloads(app, "applied")).isZero();
        }
    }

    private static Map<String, Object> entry(String url, Map<String, Object> overrides) {
        var entry = new java.util.LinkedHashMap<String, Object>(
                Map.of("id", "crm", "url", url, "secret", REFERENCE, "events", List.of("*")));
        entry.putAll(overrides);
        return entry;
    }

    private static double reloads(Application app, String result) {
        var counter = app.registry()
                .find("webhook.config.reloads")
                .tag("result", result)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
