package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The real jar, killed with SIGKILL mid-stream and started again: at-least-once, nothing lost. */
@ExtendWith(KafkaBrokerExtension.class)
class CrashRecoveryIT {
    private static final int EVENTS = 3000;

    @Test
    void shouldLoseNothingWhenKilledMidStreamAndRestarted(KafkaBroker broker, @TempDir Path dir) throws Exception {
        // given: a backlog of events, two subscriptions, and a dispatcher process working through it
        String run = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        try (var receiver = new WebhookReceiver(); var kafka = new KafkaIO(broker.bootstrapServers())) {
            receiver.endpoint("/a", "secret-a").endpoint("/b", "secret-b");
            broker.createTopic(run + ".events", 3);
            for (int i = 0; i < EVENTS; i++) {
                String type = SampleEvents.TYPES.get(i % SampleEvents.TYPES.size());
                kafka.sendAsync(run + ".events", "id-" + i, SampleEvents.event(type, "id-" + i));
            }
            kafka.flush();
            Path config = dir.resolve("dispatcher.yaml");
            Files.writeString(config, """
                    kafka:
                      bootstrapServers: %s
                      groupId: %s
                      properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "1000"}  # the killed member is noticed sooner
                    topics: {events: %s.events, retry: %s.retry, deadLetter: %s.dlt, create: true, partitions: 3, replicationFactor: 1}
                    delivery: {maxInFlight: 32, maxInFlightPerSubscription: 16}
                    management: {port: 0}
                    subscriptions:
                      - {id: a, url: "%s", secret: secret-a, events: ["*"]}
                      - {id: b, url: "%s", secret: secret-b, events: ["person.*"]}
                    """.formatted(broker.bootstrapServers(), run, run, run, run, receiver.url("/a"), receiver.url("/b")));

            // when: killed without any chance to drain or commit, once a part has been delivered
            try (var first = DispatcherProcess.start(config, Map.of())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received().size() >= EVENTS / 3);
                first.kill();
            }
            int beforeRestart = receiver.received().size();
            try (var second = DispatcherProcess.start(config, Map.of())) {
                // then: every expected delivery arrives
                Set<String> expectedA = new HashSet<>();
                Set<String> expectedB = new HashSet<>();
                for (int i = 0; i < EVENTS; i++) {
                    expectedA.add("id-" + i);
                    if (SampleEvents.TYPES.get(i % SampleEvents.TYPES.size()).startsWith("person.")) {
                        expectedB.add("id-" + i);
                    }
                }
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    assertThat(ids(receiver.received("/a"))).containsExactlyInAnyOrderElementsOf(expectedA);
                    assertThat(ids(receiver.received("/b"))).containsExactlyInAnyOrderElementsOf(expectedB);
                });
                assertThat(second.isAlive()).isTrue();
            }

            // and: duplicates (redelivery after the crash) carry the same webhook-id, and all signatures verify
            List<Received> all = receiver.received();
            assertThat(beforeRestart).isLessThan(EVENTS + EVENTS / 3);
            Map<String, Set<String>> idsPerDelivery = all.stream().collect(Collectors.groupingBy(
                    r -> r.path() + " " + SampleEvents.idOf(r.body()),
                    Collectors.mapping(Received::deliveryId, Collectors.toSet())));
            assertThat(idsPerDelivery.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
            assertThat(all).allMatch(Received::signatureValid);
        }
    }

    @Test
    void shouldStillDeliverPendingRetriesAfterAKillAndRestart(KafkaBroker broker, @TempDir Path dir) throws Exception {
        // given: every delivery fails once and waits on the retry topic when the dispatcher is killed
        String run = "pending-" + UUID.randomUUID().toString().substring(0, 8);
        int events = 300;
        try (var receiver = new WebhookReceiver(); var kafka = new KafkaIO(broker.bootstrapServers())) {
            receiver.endpoint("/r", "secret-r").answerPerDelivery("/r", 503, 200);
            broker.createTopic(run + ".events", 3);
            for (int i = 0; i < events; i++) {
                kafka.sendAsync(run + ".events", "id-" + i, SampleEvents.event("company.updated", "id-" + i));
            }
            kafka.flush();
            Path config = dir.resolve("dispatcher.yaml");
            Files.writeString(config, """
                    kafka:
                      bootstrapServers: %s
                      groupId: %s
                      properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "1000"}
                    topics: {events: %s.events, retry: %s.retry, deadLetter: %s.dlt, create: true, partitions: 3, replicationFactor: 1}
                    retry: {schedule: [3s], jitter: 0}
                    management: {port: 0}
                    subscriptions:
                      - {id: r, url: "%s", secret: secret-r, events: ["*"]}
                    """.formatted(broker.bootstrapServers(), run, run, run, run, receiver.url("/r")));

            // when
            try (var first = DispatcherProcess.start(config, Map.of())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received().size() >= events);
                first.kill();
            }
            assertThat(receiver.received()).filteredOn(r -> r.answeredStatus() == 200).hasSizeLessThan(events);
            try (var second = DispatcherProcess.start(config, Map.of())) {
                // then: every pending retry is delivered, with the delivery id of its first attempt
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(
                        ids(receiver.received().stream().filter(r -> r.answeredStatus() == 200).toList())).hasSize(events));
            }
            Map<String, Set<String>> idsPerEvent = receiver.received().stream().collect(Collectors.groupingBy(
                    r -> SampleEvents.idOf(r.body()), Collectors.mapping(Received::deliveryId, Collectors.toSet())));
            assertThat(idsPerEvent).hasSize(events).allSatisfy((event, ids) -> assertThat(ids).hasSize(1));
        }
    }

    private static Set<String> ids(List<Received> received) {
        return received.stream().map(r -> SampleEvents.idOf(r.body())).collect(Collectors.toSet());
    }
}
