package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIGTERM as Kubernetes sends it, to the real jar under load. */
@ExtendWith(DispatcherExtension.class)
class GracefulShutdownIT {
    private static final int EVENTS = 2000;
    private static final String SECRET = "s3cr3t-never-logged-of-24-bytes";

    @Test
    void shouldDrainCommitAndExitZeroOnSigtermAndLoseNothingAcrossARestart(DispatcherFixture dispatcher)
            throws Exception {
        var receiver = dispatcher.receiver();
        // given: a backlog, and a receiver slow enough that deliveries are in flight at any moment
        receiver.endpoint("/hook", SECRET).slow("/hook", 20);
        dispatcher
                .with("shutdown.timeout", "10s")
                .without("retry")
                .subscription(Map.of(
                        "id",
                        "hook",
                        "url",
                        receiver.url("/hook") + "?token=abc",
                        "secret",
                        "${HOOK_SECRET}",
                        "events",
                        List.of("*")))
                .env("HOOK_SECRET", SECRET)
                .env("LOG_FORMAT", "json");
        dispatcher.createEventsTopic();
        dispatcher.produce(EVENTS, List.of("person.updated"));

        // when: SIGTERM in the middle of the backlog
        String firstOutput;
        try (var first = dispatcher.startProcess()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> receiver.received().size() >= EVENTS / 4);
            long started = System.nanoTime();
            int exit = first.terminate(30);
            firstOutput = first.output();
            // then: it drained and exited 0 well within the shutdown timeout (10 s): only started
            // deliveries are waited for, queued ones stay uncommitted for the next owner
            assertThat(exit).as(firstOutput).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
            assertThat(firstOutput).doesNotContain("drain timed out");
            assertThat(receiver.received().size()).isLessThan(EVENTS);
        }
        try (var second = dispatcher.startProcess()) {
            // then: after a restart every event is delivered; repeats carry the same webhook-id
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> dispatcher.receivedIds().size() == EVENTS);
            second.terminate(30);
        }
        Map<String, Set<String>> idsPerEvent = receiver.received().stream()
                .collect(Collectors.groupingBy(
                        r -> SampleEvents.idOf(r.body()),
                        Collectors.mapping(Received::deliveryId, Collectors.toSet())));
        assertThat(idsPerEvent.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));

        // and: the log is one JSON object per line, with the fields log pipelines expect and an ISO-8601 time
        var json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : firstOutput.lines().filter(l -> !l.isBlank()).toList()) {
            lines.add(json.readTree(line));
        }
        assertThat(lines).as(firstOutput).isNotEmpty().allSatisfy(line -> {
            assertThat(line.has("message") && line.has("level") && line.has("logger") && line.has("thread"))
                    .as(line.toString())
                    .isTrue();
            assertThat(line.has("arguments")).as(line.toString()).isFalse();
            assertThat(Instant.parse(line.get("@timestamp").asText()))
                    .as(line.toString())
                    .isBetween(Instant.now().minus(Duration.ofMinutes(10)), Instant.now());
        });
        // and: messages are formatted, with the values in place of the template's {}
        assertThat(messages(lines, "io.webhookdispatcher.app.Application"))
                .anySatisfy(m ->
                        assertThat(m).matches("(?s)starting webhook-dispatcher \\d\\S* with DispatcherConfig\\[.*"))
                .anySatisfy(m -> assertThat(m).startsWith("shutting down").doesNotContain("{}"));
        // and: without the secret or the URL's query
        assertThat(firstOutput)
                .doesNotContain(SECRET)
                .doesNotContain("token=abc")
                .contains("shutting down");
    }

    private static List<String> messages(List<JsonNode> lines, String logger) {
        return lines.stream()
                .filter(l -> l.path("logger").asText().equals(logger))
                .map(l -> l.get("message").asText())
                .toList();
    }
}
