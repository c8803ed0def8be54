package io.webhookdispatcher.attempts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.search.Search;
import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.app.CliAccess;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The delivery log on the real broker: written by a running dispatcher, read by the {@code attempts} command. */
@ExtendWith(DispatcherExtension.class)
class AttemptsIT {
    private static final Logger log = LoggerFactory.getLogger(AttemptsIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "attempts-it-secret-of-more-than-24-bytes";

    @Test
    void shouldFindEveryAttemptOfADeliveryRetriedTwiceThenDelivered(DispatcherFixture dispatcher) throws Exception {
        // given: every delivery is answered 500, 500, then 200, with a short retry schedule
        dispatcher.receiver().endpoint("/crm", SECRET).answerPerDelivery("/crm", 500, 500, 200);
        dispatcher
                .with("topics.attempts", dispatcher.run() + ".attempts")
                .with("retry.schedule", "[100ms, 200ms]")
                .subscription(Map.of(
                        "id",
                        "crm",
                        "url",
                        dispatcher.receiver().url("/crm"),
                        "secret",
                        SECRET,
                        "events",
                        List.of("*")));
        Path config = dispatcher.writeConfig();
        dispatcher.start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));
        dispatcher.send("p2", SampleEvents.event("person.updated", "p2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> delivered(dispatcher, "/crm") == 2);
        String id = dispatcher.receiver().received("/crm").stream()
                .filter(r -> SampleEvents.idOf(r.body()).equals("p1"))
                .map(Received::deliveryId)
                .findFirst()
                .orElseThrow();

        // then: by key, and by delivery id, the three attempts in order with their outcomes
        JsonNode byKey = await().atMost(Duration.ofSeconds(15))
                .until(() -> json(config, "--key", "p1"), j -> j.get("matched").asInt() == 3);
        JsonNode byId = json(config, "--delivery-id", id);
        for (JsonNode result : List.of(byKey, byId)) {
            assertThat(result.get("matched").asInt()).as(result.toString()).isEqualTo(3);
            var attempts = new ArrayList<JsonNode>();
            result.get("attempts").forEach(attempts::add);
            assertThat(attempts).extracting(a -> a.get("attempt").asInt()).containsExactly(1, 2, 3);
            assertThat(attempts)
                    .extracting(a -> a.get("outcome").asText())
                    .containsExactly("retry_scheduled", "retry_scheduled", "delivered");
            assertThat(attempts).extracting(a -> a.get("status").asInt()).containsExactly(500, 500, 200);
            assertThat(attempts).allSatisfy(a -> {
                assertThat(a.get("deliveryId").asText()).isEqualTo(id);
                assertThat(a.get("subscription").asText()).isEqualTo("crm");
                assertThat(a.get("key").asText()).isEqualTo("p1");
                assertThat(a.get("eventType").asText()).isEqualTo("person.created");
                assertThat(a.get("topic").asText()).isEqualTo(dispatcher.eventsTopic());
                assertThat(a.has("durationMs")).isTrue();
                assertThat(a.toString()).doesNotContain(SECRET, "\"body\"");
            });
        }
        assertThat(json(config, "--subscription", "crm", "--outcome", "delivered")
                        .get("matched")
                        .asInt())
                .isEqualTo(2);
        assertThat(json(config, "--event", "note.*").get("matched").asInt()).isZero();
        Run table = run(config, "--key", "p1");
        assertThat(table.exit()).isZero();
        assertThat(table.stdout()).contains("STARTED_AT", "retry_scheduled", id).contains("3 attempts matched");

        // and: an unknown key is no error
        Run unknown = run(config, "--key", "nobody");
        assertThat(unknown.exit()).as(unknown.stderr()).isZero();
        assertThat(unknown.stdout()).contains("no attempts matched");
        Run before = run(config, "--key", "p1", "--until", "2020-01-01T00:00:00Z");
        assertThat(before.stdout()).contains("no attempts matched");
    }

    @Test
    void shouldDeliverEverythingWhenTheAttemptsTopicIsGoneAndCountTheLoss(DispatcherFixture dispatcher)
            throws Exception {
        // given: the attempts topic is deleted after start, before anything was written to it (the broker does not
        // create topics on its own), so every write of the log waits for its metadata and fails
        String attempts = dispatcher.run() + ".attempts";
        dispatcher.receiver().answer("/crm", 200);
        dispatcher.with("topics.attempts", attempts).subscription("crm", "/crm", "[\"*\"]");
        Application app = dispatcher.start();
        try (Admin admin =
                Admin.create(Map.of("bootstrap.servers", dispatcher.broker().bootstrapServers()))) {
            admin.deleteTopics(List.of(attempts)).all().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !admin.listTopics().names().get().contains(attempts));
        }
        int events = 100;

        // when
        dispatcher.produce(events, List.of("person.created"));

        // then: all delivered and committed while the log's writer, a second per record, is far behind
        await().atMost(Duration.ofSeconds(30))
                .until(() -> dispatcher.receivedIds("/crm").size() == events && dispatcher.uncommittedEvents() == 0);
        double lostSoFar = failures(app, KafkaAttemptLog.SEND_FAILED) + failures(app, KafkaAttemptLog.QUEUE_FULL);
        assertThat(lostSoFar).isLessThan(events);
        await().atMost(Duration.ofSeconds(15)).until(() -> failures(app, KafkaAttemptLog.SEND_FAILED) >= 1);
        assertThat(app.registry()
                        .get(DispatcherMetrics.ATTEMPT_LOG_WRITTEN)
                        .counter()
                        .count())
                .isZero();
        assertThat(dispatcher.deadLetters()).isEmpty();
    }

    /** Not a timed assertion: logs the drain rate of a backlog with and without the log (-Dattempts.overhead=true). */
    @Test
    @EnabledIfSystemProperty(named = "attempts.overhead", matches = "true")
    void shouldReportTheOverheadOfTheAttemptsTopic(DispatcherFixture given) throws Exception {
        int events = Integer.getInteger("attempts.overhead.events", 5000);
        var lines = new ArrayList<String>();
        for (int round = 0; round < 2; round++) {
            for (int fanOut : List.of(1, 4)) {
                for (boolean on : List.of(false, true)) {
                    try (var dispatcher = new DispatcherFixture(given.broker(), "overhead")) {
                        // measured is the dispatcher, not the breaker: the test receiver sometimes fails under load
                        dispatcher.with("delivery.circuitBreaker", "{enabled: false}");
                        dispatcher.with("retry.schedule", "[1s, 2s, 5s, 10s]");
                        if (on) {
                            dispatcher.with("topics.attempts", dispatcher.run() + ".attempts");
                        }
                        for (int s = 0; s < fanOut; s++) {
                            dispatcher.subscription("s" + s, "/s" + s, "[\"*\"]");
                        }
                        dispatcher.createEventsTopic();
                        dispatcher.produce(events, List.of("person.created"));
                        Application app = dispatcher.start();
                        await().atMost(Duration.ofMinutes(3))
                                .pollInterval(Duration.ofMillis(100))
                                .until(() -> delivered(dispatcher) >= events * fanOut);
                        // first request to last: start-up and the group's join are not the dispatcher's rate
                        var at = dispatcher.receiver().received().stream()
                                .map(Received::at)
                                .sorted()
                                .toList();
                        double seconds = Duration.between(at.get(0), at.get(at.size() - 1))
                                        .toNanos()
                                / 1e9;
                        if (on) {
                            await().atMost(Duration.ofSeconds(30))
                                    .until(() -> written(app)
                                                    + failures(app, KafkaAttemptLog.QUEUE_FULL)
                                                    + failures(app, KafkaAttemptLog.SEND_FAILED)
                                            >= events * fanOut);
                        }
                        lines.add(String.format(
                                "round %d fan-out %d attempts %s: %d deliveries in %.2f s = %.0f deliveries/s"
                                        + " (%d requests; log written %.0f, dropped %.0f)",
                                round,
                                fanOut,
                                on ? "on " : "off",
                                events * fanOut,
                                seconds,
                                events * fanOut / seconds,
                                dispatcher.receiver().received().size(),
                                written(app),
                                failures(app, KafkaAttemptLog.QUEUE_FULL)
                                        + failures(app, KafkaAttemptLog.SEND_FAILED)));
                        log.info("attempts overhead: {}", lines.get(lines.size() - 1));
                    }
                }
            }
        }
        lines.forEach(l -> log.info("attempts overhead: {}", l));
        assertThat(lines).hasSize(8);
    }

    private static long delivered(DispatcherFixture dispatcher) {
        return dispatcher.receiver().received().stream()
                .filter(r -> r.answeredStatus() == 200)
                .count();
    }

    private static long delivered(DispatcherFixture dispatcher, String path) {
        return dispatcher.receiver().received(path).stream()
                .filter(r -> r.answeredStatus() == 200)
                .count();
    }

    private static double written(Application app) {
        var counter = Search.in(app.registry())
                .name(DispatcherMetrics.ATTEMPT_LOG_WRITTEN)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static double failures(Application app, String reason) {
        var counter = Search.in(app.registry())
                .name(DispatcherMetrics.ATTEMPT_LOG_FAILURES)
                .tag("reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static JsonNode json(Path config, String... filters) throws Exception {
        var args = new ArrayList<>(List.of(filters));
        args.addAll(List.of("--output", "json"));
        Run run = run(config, args.toArray(String[]::new));
        assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
        return JSON.readTree(run.stdout());
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run run(Path config, String... options) {
        var args = new ArrayList<>(List.of("attempts", "--config", config.toString()));
        args.addAll(List.of(options));
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int exit = CliAccess.run(args.toArray(String[]::new), out, err);
        return new Run(
                exit,
                out.toString(java.nio.charset.StandardCharsets.UTF_8),
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
}
