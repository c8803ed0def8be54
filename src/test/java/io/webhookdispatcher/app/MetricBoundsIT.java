package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Input cannot add series: event types no filter names are "other", unknown subscription ids get no meters. */
@ExtendWith(DispatcherExtension.class)
class MetricBoundsIT {
    private static final Logger log = LoggerFactory.getLogger(MetricBoundsIT.class);
    private static final int RANDOM_TYPES = 10_000;
    private static final int GHOST_RETRIES = 200;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldKeepSeriesBoundedWhateverTypesAndSubscriptionIdsTheInputCarries(DispatcherFixture dispatcher)
            throws Exception {
        // given: a subscription to everything that also names one type (one subscription: none is "slow" beside
        // another, and deferrals of a slow one would expire with the fixture's short schedule)
        var app = dispatcher
                .with("retry.schedule", "[1s, 1m]")
                .subscription("everything", "/everything", "[\"*\", \"person.created\"]")
                .start();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(app, "/health/ready") == 200);
        List<String> before = ourSeries(scrape(app));

        // when: 10,000 events of random types (one 100,000 characters long), and some of the named type
        var types = new ArrayList<String>();
        for (int i = 0; i < RANDOM_TYPES; i++) {
            types.add("o" + hex() + ".a" + (i == 0 ? "x".repeat(100_000) : hex()));
        }
        for (int i = 0; i < RANDOM_TYPES; i++) {
            dispatcher.kafka().sendAsync(dispatcher.eventsTopic(), "k" + i, SampleEvents.event(types.get(i), "e" + i));
        }
        dispatcher.produce(10, List.of("person.created"));
        // and: retry records whose subscription header names no configured subscription
        String retryTopic = dispatcher.retryTopic() + "-1s";
        var ghosts = new ArrayList<String>();
        for (int i = 0; i < GHOST_RETRIES; i++) {
            String ghost = "ghost-" + hex();
            ghosts.add(ghost);
            var headers = new RecordHeaders();
            WebhookHeaders.put(headers, WebhookHeaders.SUBSCRIPTION, ghost);
            WebhookHeaders.put(headers, WebhookHeaders.DELIVERY_ID, "d-" + i);
            WebhookHeaders.put(headers, WebhookHeaders.ATTEMPTS, 1);
            WebhookHeaders.put(headers, WebhookHeaders.DUE_AT, Instant.now());
            WebhookHeaders.put(headers, WebhookHeaders.EVENT_TYPE, "o" + hex() + ".a");
            dispatcher
                    .kafka()
                    .send(new ProducerRecord<>(
                            retryTopic,
                            null,
                            ("g" + i).getBytes(),
                            SampleEvents.event("person.created", "g" + i),
                            headers));
        }

        // then: everything is delivered, every ghost retry dead-lettered
        await().atMost(Duration.ofSeconds(300))
                .until(() -> dispatcher.receivedIds("/everything").size() == RANDOM_TYPES + 10);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> dispatcher.deadLetters().size() == GHOST_RETRIES);
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);

        // and: the verdicts are counted under the named type and "other" only, and nothing else of ours grew
        String scrape = scrape(app);
        List<String> after = ourSeries(scrape);
        List<String> verdicts = after.stream()
                .filter(s -> s.startsWith("webhook_deliveries_total{"))
                .toList();
        log.info(
                "series: {} of ours before, {} after ({} in the whole scrape); verdicts: {}",
                before.size(),
                after.size(),
                scrape.lines().filter(l -> !l.startsWith("#")).count(),
                verdicts);
        // (person.created, other) x 4 outcomes
        assertThat(verdicts).hasSize(8);
        assertThat(verdicts).allSatisfy(v -> assertThat(v).containsPattern("event_type=\"(person.created|other)\""));
        assertThat(scrape)
                .contains(
                        "webhook_deliveries_total{event_type=\"other\",outcome=\"delivered\",subscription=\"everything\"} "
                                + RANDOM_TYPES + ".0");
        assertThat(after).hasSize(before.size() + 8);
        assertThat(scrape.lines().filter(l -> !l.startsWith("#")).count()).isLessThan(2_000);
        for (String ghost : ghosts) {
            assertThat(scrape).doesNotContain(ghost);
        }
        assertThat(scrape).doesNotContain(types.get(1)).doesNotContain(types.get(RANDOM_TYPES - 1));
    }

    /** Our own series (not the JVM's or the Kafka clients', which vary with partitions and GC), as scrape lines. */
    private static List<String> ourSeries(String scrape) {
        return scrape.lines()
                .filter(l -> l.startsWith("webhook_"))
                .map(l -> l.substring(0, l.lastIndexOf(' ')))
                .toList();
    }

    private static String hex() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private String scrape(Application app) throws Exception {
        return get(app, "/metrics").body();
    }

    private int status(Application app, String path) throws Exception {
        return get(app, path).statusCode();
    }

    private HttpResponse<String> get(Application app, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
