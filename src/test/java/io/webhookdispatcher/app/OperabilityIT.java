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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Metrics and probes of a real dispatcher under traffic, scraped over HTTP like Prometheus does. */
@ExtendWith(DispatcherExtension.class)
class OperabilityIT {
    private static final Path DASHBOARD = Path.of("helm/webhook-dispatcher/dashboards/webhook-dispatcher.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:webhook|kafka|jvm|process)_[a-z0-9_]+)");
    /** A Grafana variable query: {@code label_values(metric{matchers}, label)}. */
    private static final Pattern LABEL_VALUES =
            Pattern.compile("label_values\\(\\s*([a-z0-9_]+)\\s*(\\{[^}]*})?\\s*,\\s*([a-z_]+)\\s*\\)");
    /** A selector on a Kafka client's id in a dashboard query: metric, client id. */
    private static final Pattern CLIENT_ID = Pattern.compile("([a-z0-9_]+)\\{[^}]*client_id=\"([^\"]+)\"");
    /** Labels Prometheus adds when it scrapes (kubernetes_sd relabelling, ServiceMonitor), never in the scrape itself. */
    private static final Set<String> TARGET_LABELS = Set.of("namespace", "job", "pod", "instance", "service");

    private static final List<String> OUTCOMES = List.of("delivered", "retry_scheduled", "dead_lettered", "deferred");
    private static final List<String> DEFERRAL_REASONS = List.of("circuit-open", "queue-full", "slow", "rate-limited");
    private static final List<String> ATTEMPT_RESULTS = List.of(
            "2xx", "3xx", "4xx", "5xx", "timeout", "connect_error", "tls_error", "other_error", "blocked-destination");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldExposeEveryMetricTheDashboardQueriesAndReadinessThatFailsOnShutdown(DispatcherFixture dispatcher)
            throws Exception {
        // given: a dispatcher with a healthy, a failing and a hung subscription
        var receiver = dispatcher.receiver().answer("/failing", 500).hang("/hung");
        var app = dispatcher
                .with("topics.partitions", 2)
                .with("topics.attempts", dispatcher.run() + ".attempts") // the delivery-log panels' series
                .with("delivery.requestTimeout", "30s")
                .with("retry.schedule", "[100ms]")
                .with("shutdown.timeout", "3s")
                // event_type labels are the types a filter names; company.* alone would count them as "other"
                .subscription("ok", "/ok", "[\"person.created\", \"company.*\"]")
                .subscription("failing", "/failing", "[\"company.updated\", \"company.deleted\"]")
                .subscription("hung", "/hung", "[\"company.deleted\"]")
                .start();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> get(app, "/health/ready").statusCode() == 200);
        assertThat(get(app, "/health/live").statusCode()).isEqualTo(200);
        // and: with the event-type label on (the default), the dashboard's variables resolve before any event
        Map<String, Set<String>> variables = variableValues(
                new ObjectMapper().readTree(DASHBOARD.toFile()),
                Scrape.parse(get(app, "/metrics").body()));
        assertThat(variables.get("subscription")).containsExactlyInAnyOrder("ok", "failing", "hung");

        // when: traffic of every kind
        dispatcher.send("1", SampleEvents.event("person.created", "p1"));
        dispatcher.send("2", SampleEvents.event("company.updated", "c1"));
        dispatcher.send("3", SampleEvents.event("note.created", "n1"));
        dispatcher.send("4", "{oops".getBytes());
        dispatcher.send("5", SampleEvents.event("company.deleted", "c2"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> dispatcher.deadLetters().size() == 3);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/ok").size() == 3);

        // then: every metric name in the dashboard's queries is in the scrape
        String scrape = get(app, "/metrics").body();
        Set<String> used = dashboardMetricNames();
        assertThat(used).contains("webhook_deliveries_total", "kafka_consumer_fetch_manager_records_lag_max");
        assertThat(used)
                .allSatisfy(
                        name -> assertThat(scrape).as("scrape has %s", name).containsPattern("(?m)^" + name + "[{ ]"));
        assertThat(scrape)
                .containsPattern(
                        "webhook_deliveries_total\\{event_type=\"company.updated\",outcome=\"retry_scheduled\",subscription=\"failing\"} 1.0")
                .containsPattern(
                        "webhook_deliveries_total\\{event_type=\"company.updated\",outcome=\"dead_lettered\",subscription=\"failing\"} 1.0")
                .containsPattern("webhook_delivery_attempts_total\\{result=\"5xx\",subscription=\"failing\"} 4.0")
                .containsPattern("webhook_events_invalid_total\\{reason=\"invalid-json\"} 1.0")
                .containsPattern("webhook_events_unmatched_total 1.0")
                .containsPattern("webhook_inflight_deliveries\\{subscription=\"hung\"} 1.0")
                // the first verdict of an event type registers its other outcomes at zero
                .containsPattern(
                        "webhook_deliveries_total\\{event_type=\"person.created\",outcome=\"dead_lettered\",subscription=\"ok\"} 0.0")
                .doesNotContain(receiver.baseUrl());

        // when: shutdown begins while a delivery hangs, readiness fails at once
        CompletableFuture<Void> closing = CompletableFuture.runAsync(app::close);
        await().atMost(Duration.ofSeconds(2)).until(() -> statusOrDown(app, "/health/ready") == 503);
        closing.get();
    }

    @Test
    void shouldServeEverySubscriptionAndTopicSeriesAtZeroBeforeTheFirstEvent(DispatcherFixture dispatcher)
            throws Exception {
        // given: a dispatcher with two subscriptions that has not consumed anything
        var app = dispatcher
                .with("metrics.eventTypeLabel", false)
                .with("topics.attempts", dispatcher.run() + ".attempts") // the delivery-log panels' series
                .subscription("crm-sync", "/crm-sync", "[\"person.*\"]")
                .subscription("audit", "/audit", "[\"*\"]")
                .start();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> get(app, "/health/ready").statusCode() == 200);

        // when: scraped before any event
        Scrape scrape = Scrape.parse(get(app, "/metrics").body());

        // then: every per-subscription series is there, at zero
        for (String subscription : List.of("crm-sync", "audit")) {
            for (String outcome : OUTCOMES) {
                assertThat(scrape.value(
                                "webhook_deliveries_total",
                                "subscription",
                                subscription,
                                "event_type",
                                "all",
                                "outcome",
                                outcome))
                        .isZero();
            }
            for (String reason : DEFERRAL_REASONS) {
                assertThat(scrape.value("webhook_deferrals_total", "subscription", subscription, "reason", reason))
                        .isZero();
            }
            for (String result : ATTEMPT_RESULTS) {
                assertThat(scrape.value(
                                "webhook_delivery_attempts_total", "subscription", subscription, "result", result))
                        .isZero();
            }
            for (String state : List.of("open", "half_open", "closed")) {
                assertThat(scrape.value(
                                "webhook_circuit_transitions_total", "subscription", subscription, "state", state))
                        .isZero();
            }
            for (String gauge : List.of(
                    "webhook_circuit_state",
                    "webhook_inflight_deliveries",
                    "webhook_queued_deliveries",
                    "webhook_queued_bytes",
                    "webhook_subscription_slow",
                    "webhook_delivery_lag_seconds_count")) {
                assertThat(scrape.value(gauge, "subscription", subscription))
                        .as(gauge)
                        .isZero();
            }
            assertThat(scrape.value(
                            "webhook_delivery_duration_seconds_count",
                            "subscription",
                            subscription,
                            "outcome",
                            "failed"))
                    .isZero();
        }
        // and: every per-topic series: consumed from the events and retry topics, write failures of the retry
        // and dead-letter topics
        List<String> retryTopics = List.of(dispatcher.retryTopic() + "-100ms", dispatcher.retryTopic() + "-200ms");
        assertThat(scrape.value("webhook_events_consumed_total", "topic", dispatcher.eventsTopic()))
                .isZero();
        for (String topic : retryTopics) {
            assertThat(scrape.value("webhook_events_consumed_total", "topic", topic))
                    .isZero();
            assertThat(scrape.value("webhook_producer_write_failures_total", "topic", topic))
                    .isZero();
        }
        assertThat(scrape.value("webhook_producer_write_failures_total", "topic", dispatcher.deadLetterTopic()))
                .isZero();
        assertThat(scrape.value("webhook_config_reloads_total", "result", "rejected"))
                .isZero();
        assertThat(scrape.value("webhook_subscriptions")).isEqualTo(2);
        assertThat(scrape.value("webhook_buffered_bytes_limit", "loop", "events-consumer"))
                .isPositive();
        assertThat(scrape.value("webhook_consumer_paused", "loop", "retry-consumer"))
                .isZero();

        // and: every family of ours says what it means
        assertThat(scrape.families())
                .filteredOn(f -> f.startsWith("webhook_"))
                .hasSizeGreaterThan(15)
                .allSatisfy(f -> assertThat(scrape.help(f)).as("HELP of %s", f).isNotBlank());

        // and: the dashboard's variables resolve, and every metric its panels query is there already
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Map<String, Set<String>> variables = variableValues(dashboard, scrape);
        assertThat(variables).containsKeys("namespace", "job", "subscription");
        assertThat(variables.get("subscription")).containsExactlyInAnyOrder("crm-sync", "audit");
        assertThat(dashboardMetricNames())
                .allSatisfy(name -> assertThat(scrape.families())
                        .as("start-up scrape has %s", name)
                        .contains(name));
        // and: the lag panels' client_id (the events consumer's) is one the dispatcher's Kafka metrics carry
        int scoped = 0;
        for (String expression : dashboardExpressions()) {
            Matcher m = CLIENT_ID.matcher(expression);
            while (m.find()) {
                String clientId = m.group(2);
                assertThat(scrape.samples(m.group(1)))
                        .as(expression)
                        .anySatisfy(sample -> assertThat(sample.labels()).containsEntry("client_id", clientId));
                scoped++;
            }
        }
        assertThat(scoped).as("lag queries scoped to the events consumer").isGreaterThanOrEqualTo(2);
    }

    /**
     * What each {@code label_values(...)} variable of the dashboard would offer on this scrape. Labels Prometheus
     * adds on scraping resolve whenever the metric is there; the others need series that carry them.
     */
    private static Map<String, Set<String>> variableValues(JsonNode dashboard, Scrape scrape) {
        var values = new LinkedHashMap<String, Set<String>>();
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!variable.path("type").asText().equals("query")) {
                continue;
            }
            String query = variable.path("definition").asText();
            Matcher m = LABEL_VALUES.matcher(query);
            assertThat(m.matches())
                    .as("variable %s: %s", variable.path("name").asText(), query)
                    .isTrue();
            String metric = m.group(1);
            String label = m.group(3);
            assertThat(scrape.families())
                    .as("variable %s: %s", variable.path("name").asText(), query)
                    .contains(metric);
            Set<String> found = new TreeSet<>();
            if (TARGET_LABELS.contains(label)) {
                found.add("<added by Prometheus>");
            } else {
                scrape.samples(metric).forEach(sample -> {
                    if (sample.labels().containsKey(label)) {
                        found.add(sample.labels().get(label));
                    }
                });
            }
            assertThat(found)
                    .as("values of variable %s: %s", variable.path("name").asText(), query)
                    .isNotEmpty();
            values.put(variable.path("name").asText(), found);
        }
        return values;
    }

    private Set<String> dashboardMetricNames() throws Exception {
        var names = new TreeSet<String>();
        for (String expression : dashboardExpressions()) {
            Matcher m = METRIC.matcher(expression);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Every {@code expr} of the dashboard's panels. */
    private static List<String> dashboardExpressions() throws Exception {
        var expressions = new ArrayList<String>();
        collectExprs(new ObjectMapper().readTree(DASHBOARD.toFile()), expressions);
        return expressions;
    }

    private static void collectExprs(JsonNode node, List<String> expressions) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    expressions.add(e.getValue().asText());
                } else {
                    collectExprs(e.getValue(), expressions);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectExprs(child, expressions));
        }
    }

    private HttpResponse<String> get(Application app, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort() + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int statusOrDown(Application app, String path) {
        try {
            return get(app, path).statusCode();
        } catch (Exception e) {
            return 503; // the port already closed counts as not ready
        }
    }

    /** A scrape in the Prometheus text format, parsed just enough to look up series and HELP texts. */
    private record Scrape(List<Sample> samples, Map<String, String> helps) {
        private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        record Sample(String name, Map<String, String> labels, double value) {}

        static Scrape parse(String text) {
            var samples = new ArrayList<Sample>();
            var helps = new TreeMap<String, String>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# HELP ")) {
                    String[] parts = line.substring("# HELP ".length()).split(" ", 2);
                    helps.put(parts[0], parts.length > 1 ? parts[1] : "");
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    Matcher m = LINE.matcher(line);
                    assertThat(m.matches()).as("scrape line %s", line).isTrue();
                    var labels = new TreeMap<String, String>();
                    Matcher l = LABEL.matcher(m.group(2) == null ? "" : m.group(2));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                    String value = m.group(3).replace("Inf", "Infinity");
                    samples.add(new Sample(m.group(1), labels, Double.parseDouble(value)));
                }
            }
            return new Scrape(List.copyOf(samples), helps);
        }

        Set<String> families() {
            var names = new TreeSet<String>();
            samples.forEach(s -> names.add(s.name()));
            return names;
        }

        List<Sample> samples(String name) {
            return samples.stream().filter(s -> s.name().equals(name)).toList();
        }

        /** The HELP of the family a sample name belongs to ({@code _bucket}, {@code _count}, ... stripped). */
        String help(String name) {
            for (String family = name; ; family = family.substring(0, family.lastIndexOf('_'))) {
                if (helps.containsKey(family)) {
                    return helps.get(family);
                }
                if (family.lastIndexOf('_') < 0) {
                    return null;
                }
            }
        }

        /** The value of the one series of {@code name} with exactly these labels. */
        double value(String name, String... labels) {
            var wanted = new TreeMap<String, String>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            List<Sample> matching = samples(name).stream()
                    .filter(s -> s.labels().equals(wanted))
                    .toList();
            assertThat(matching).as("series %s%s", name, wanted).hasSize(1);
            return matching.get(0).value();
        }
    }
}
