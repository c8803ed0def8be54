package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.testkit.DispatcherProcess;
import io.webhookdispatcher.testkit.KafkaBroker;
import io.webhookdispatcher.testkit.KafkaBrokerExtension;
import io.webhookdispatcher.testkit.KafkaIO;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code replay} as operators run it: the real jar's command, against a running dispatcher. */
@ExtendWith(KafkaBrokerExtension.class)
class ReplayIT {

    @Test
    void shouldRedeliverExactlyTheMatchingDeadLettersOncePerRun(KafkaBroker broker, @TempDir Path dir) throws Exception {
        String run = "replay-" + UUID.randomUUID().toString().substring(0, 8);
        try (var receiver = new WebhookReceiver(); var kafka = new KafkaIO(broker.bootstrapServers())) {
            // given: every first attempt is refused with 410, so everything is dead-lettered once
            receiver.endpoint("/x", "sx").endpoint("/y", "sy").answerPerDelivery("/x", 410, 200)
                    .answerPerDelivery("/y", 410, 200);
            Path config = Files.writeString(dir.resolve("dispatcher.yaml"), """
                    kafka: {bootstrapServers: %s, groupId: %s}
                    topics: {events: %s.events, retry: %s.retry, deadLetter: %s.dlt, create: true, partitions: 2, replicationFactor: 1}
                    retry: {schedule: [300ms], jitter: 0}
                    management: {port: 0}
                    subscriptions:
                      - {id: x, url: "%s", secret: sx, events: ["*"]}
                      - {id: y, url: "%s", secret: sy, events: ["*"]}
                    """.formatted(broker.bootstrapServers(), run, run, run, run, receiver.url("/x"), receiver.url("/y")));
            var app = new Application(new ConfigLoader(Map.<String, String>of()::get).load(config), Clock.systemUTC());
            try {
                app.start();
                kafka.send(run + ".events", "p1", SampleEvents.event("person.created", "p1"));
                kafka.send(run + ".events", "p2", SampleEvents.event("person.updated", "p2"));
                kafka.send(run + ".events", "n1", SampleEvents.event("note.created", "n1"));
                kafka.send(run + ".events", "bad", "not json".getBytes());
                await().atMost(Duration.ofSeconds(15)).until(() -> kafka.readAll(run + ".dlt").size() == 7);

                // when: a dry run, then a real one for subscription x's person events
                String dry = replay(config, "--subscription", "x", "--event", "person.*", "--dry-run");

                // then
                assertThat(dry).contains("scanned 7, matched 2, would re-publish 2 (1 not replayable");
                Thread.sleep(1000);
                assertThat(receiver.received()).hasSize(6);

                String real = replay(config, "--subscription", "x", "--event", "person.*", "--reason", "permanent-failure");
                assertThat(real).contains("scanned 7, matched 2, re-published 2");
                await().atMost(Duration.ofSeconds(15)).until(() -> delivered(receiver, "/x").size() == 2);
                assertThat(delivered(receiver, "/x")).extracting(r -> SampleEvents.idOf(r.body()))
                        .containsExactlyInAnyOrder("p1", "p2");
                assertThat(delivered(receiver, "/y")).isEmpty();
                List<Received> x = receiver.received("/x");
                assertThat(x).allMatch(Received::signatureValid);
                for (Received ok : delivered(receiver, "/x")) {
                    assertThat(x).filteredOn(r -> r.deliveryId().equals(ok.deliveryId())).hasSize(2);
                }

                // when: replayed again, it is delivered again (no consumer group remembers a replay)
                assertThat(replay(config, "--subscription", "x", "--event", "person.*")).contains("re-published 2");
                await().atMost(Duration.ofSeconds(15)).until(() -> delivered(receiver, "/x").size() == 4);
                assertThat(receiver.received()).hasSize(6 + 4);
            } finally {
                app.close();
            }
        }
    }

    private static List<Received> delivered(WebhookReceiver receiver, String path) {
        return receiver.received(path).stream().filter(r -> r.answeredStatus() == 200).toList();
    }

    private static String replay(Path config, String... options) throws Exception {
        var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", DispatcherProcess.jar().toString(), "replay", "--config", config.toString()));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }
}
