package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Metrics and probes of a real dispatcher under traffic, scraped over HTTP like Prometheus does. */
@ExtendWith(DispatcherExtension.class)
class OperabilityIT {
    private static final Path DASHBOARD = Path.of("helm/webhook-dispatcher/dashboards/webhook-dispatcher.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:webhook|kafka|jvm|process)_[a-z0-9_]+)");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldExposeEveryMetricTheDashboardQueriesAndReadinessThatFailsOnShutdown(DispatcherFixture dispatcher)
            throws Exception {
        // given: a dispatcher with a healthy, a failing and a hung subscription
        var receiver = dispatcher.receiver().answer("/failing", 500).hang("/hung");
        var app = dispatcher.with("topics.partitions", 2)
                .with("delivery.requestTimeout", "30s")
                .with("retry.schedule", "[100ms]")
                .with("shutdown.timeout", "3s")
                .subscription("ok", "/ok", "[\"person.*\", \"company.*\"]")
                .subscription("failing", "/failing", "[\"company.*\"]")
                .subscription("hung", "/hung", "[\"company.deleted\"]")
                .start();
        await().atMost(Duration.ofSeconds(20)).until(() -> get(app, "/health/ready").statusCode() == 200);
        assertThat(get(app, "/health/live").statusCode()).isEqualTo(200);

        // when: traffic of every kind
        dispatcher.send("1", SampleEvents.event("person.created", "p1"));
        dispatcher.send("2", SampleEvents.event("company.updated", "c1"));
        dispatcher.send("3", SampleEvents.event("note.created", "n1"));
        dispatcher.send("4", "{oops".getBytes());
        dispatcher.send("5", SampleEvents.event("company.deleted", "c2"));
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.deadLetters().size() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/ok").size() == 3);

        // then: every metric name in the dashboard's queries is in the scrape
        String scrape = get(app, "/metrics").body();
        Set<String> used = dashboardMetricNames();
        assertThat(used).contains("webhook_deliveries_total", "kafka_consumer_fetch_manager_records_lag_max");
        assertThat(used).allSatisfy(name -> assertThat(scrape).as("scrape has %s", name)
                .containsPattern("(?m)^" + name + "[{ ]"));
        assertThat(scrape).containsPattern("webhook_deliveries_total\\{event_type=\"company.updated\",outcome=\"retry_scheduled\",subscription=\"failing\"} 1.0")
                .containsPattern("webhook_deliveries_total\\{event_type=\"company.updated\",outcome=\"dead_lettered\",subscription=\"failing\"} 1.0")
                .containsPattern("webhook_delivery_attempts_total\\{result=\"5xx\",subscription=\"failing\"} 4.0")
                .containsPattern("webhook_events_invalid_total\\{reason=\"invalid-json\"} 1.0")
                .containsPattern("webhook_events_unmatched_total 1.0")
                .containsPattern("webhook_inflight_deliveries\\{subscription=\"hung\"} 1.0")
                .doesNotContain(receiver.baseUrl());

        // when: shutdown begins while a delivery hangs, readiness fails at once
        CompletableFuture<Void> closing = CompletableFuture.runAsync(app::close);
        await().atMost(Duration.ofSeconds(2)).until(() -> statusOrDown(app, "/health/ready") == 503);
        closing.get();
    }

    private Set<String> dashboardMetricNames() throws Exception {
        var names = new TreeSet<String>();
        collectExprs(new ObjectMapper().readTree(DASHBOARD.toFile()), names);
        return names;
    }

    private static void collectExprs(JsonNode node, Set<String> names) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    var m = METRIC.matcher(e.getValue().asText());
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                } else {
                    collectExprs(e.getValue(), names);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectExprs(child, names));
        }
    }

    private HttpResponse<String> get(Application app, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int statusOrDown(Application app, String path) {
        try {
            return get(app, path).statusCode();
        } catch (Exception e) {
            return 503; // the port already closed counts as not ready
        }
    }
}
