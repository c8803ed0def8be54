package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.testkit.DispatcherProcess;
import io.webhookdispatcher.testkit.KafkaBroker;
import io.webhookdispatcher.testkit.KafkaBrokerExtension;
import io.webhookdispatcher.testkit.KafkaIO;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM as Kubernetes sends it, to the real jar under load. */
@ExtendWith(KafkaBrokerExtension.class)
class GracefulShutdownIT {
    private static final int EVENTS = 2000;
    private static final String SECRET = "s3cr3t-never-logged";

    @Test
    void shouldDrainCommitAndExitZeroOnSigtermAndLoseNothingAcrossARestart(KafkaBroker broker, @TempDir Path dir)
            throws Exception {
        String run = "term-" + UUID.randomUUID().toString().substring(0, 8);
        try (var receiver = new WebhookReceiver(); var kafka = new KafkaIO(broker.bootstrapServers())) {
            // given: a backlog, and a receiver slow enough that deliveries are in flight at any moment
            receiver.endpoint("/hook", SECRET).slow("/hook", 20);
            broker.createTopic(run + ".events", 3);
            for (int i = 0; i < EVENTS; i++) {
                kafka.sendAsync(run + ".events", "id-" + i, SampleEvents.event("person.updated", "id-" + i));
            }
            kafka.flush();
            Path config = Files.writeString(dir.resolve("dispatcher.yaml"), """
                    kafka:
                      bootstrapServers: %s
                      groupId: %s
                    topics: {events: %s.events, retry: %s.retry, deadLetter: %s.dlt, create: true, partitions: 3, replicationFactor: 1}
                    management: {port: 0}
                    shutdown: {timeout: 10s}
                    subscriptions:
                      - {id: hook, url: "%s?token=abc", secret: "${HOOK_SECRET}", events: ["*"]}
                    """.formatted(broker.bootstrapServers(), run, run, run, run, receiver.url("/hook")));
            Map<String, String> env = Map.of("HOOK_SECRET", SECRET, "LOG_FORMAT", "json");

            // when: SIGTERM in the middle of the backlog
            String firstOutput;
            try (var first = DispatcherProcess.start(config, env)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received().size() >= EVENTS / 4);
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
            try (var second = DispatcherProcess.start(config, env)) {
                // then: after a restart every event is delivered; repeats carry the same webhook-id
                await().atMost(Duration.ofSeconds(90)).until(() -> ids(receiver).size() == EVENTS);
                second.terminate(30);
            }
            Map<String, Set<String>> idsPerEvent = receiver.received().stream().collect(Collectors.groupingBy(
                    r -> SampleEvents.idOf(r.body()), Collectors.mapping(Received::deliveryId, Collectors.toSet())));
            assertThat(idsPerEvent.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));

            // and: the log is one JSON object per line, without the secret or the URL's query
            var json = new ObjectMapper();
            assertThat(firstOutput.lines().filter(l -> !l.isBlank())).isNotEmpty().allSatisfy(line -> {
                assertThat(json.readTree(line).has("message")).as(line).isTrue();
            });
            assertThat(firstOutput).doesNotContain(SECRET).doesNotContain("token=abc").contains("shutting down");
        }
    }

    private static Set<String> ids(WebhookReceiver receiver) {
        return receiver.received().stream().map(r -> SampleEvents.idOf(r.body())).collect(Collectors.toSet());
    }
}
