package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real jar, killed with SIGKILL mid-stream and started again: at-least-once, nothing lost. */
@ExtendWith(DispatcherExtension.class)
class CrashRecoveryIT {
    private static final int EVENTS = 3000;

    private DispatcherFixture dispatcher;
    private WebhookReceiver receiver;

    @BeforeEach
    void setUp(DispatcherFixture dispatcher) {
        // the killed member is noticed sooner
        this.dispatcher = dispatcher
                .with("kafka.properties", Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"))
                .without("shutdown");
        this.receiver = dispatcher.receiver();
    }

    @Test
    void shouldLoseNothingWhenKilledMidStreamAndRestarted() throws Exception {
        // given: a backlog of events, two subscriptions, and a dispatcher process working through it
        dispatcher
                .with("delivery.maxInFlight", 32)
                .with("delivery.maxInFlightPerSubscription", 16)
                .without("retry")
                .subscription("a", "/a", "[\"*\"]")
                .subscription("b", "/b", "[\"person.*\"]");
        dispatcher.createEventsTopic();
        dispatcher.produce(EVENTS, SampleEvents.TYPES);

        // when: killed without any chance to drain or commit, once a part has been delivered
        try (var first = dispatcher.startProcess()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> receiver.received().size() >= EVENTS / 3);
            first.kill();
        }
        int beforeRestart = receiver.received().size();
        try (var second = dispatcher.startProcess()) {
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
                assertThat(dispatcher.receivedIds("/a")).containsExactlyInAnyOrderElementsOf(expectedA);
                assertThat(dispatcher.receivedIds("/b")).containsExactlyInAnyOrderElementsOf(expectedB);
            });
            assertThat(second.isAlive()).isTrue();
        }

        // and: duplicates (redelivery after the crash) carry the same webhook-id, and all signatures verify
        List<Received> all = receiver.received();
        assertThat(beforeRestart).isLessThan(EVENTS + EVENTS / 3);
        Map<String, Set<String>> idsPerDelivery = all.stream()
                .collect(Collectors.groupingBy(
                        r -> r.path() + " " + SampleEvents.idOf(r.body()),
                        Collectors.mapping(Received::deliveryId, Collectors.toSet())));
        assertThat(idsPerDelivery.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
        assertThat(all).allMatch(Received::signatureValid);
    }

    @Test
    void shouldStillDeliverPendingRetriesAfterAKillAndRestart() throws Exception {
        // given: every delivery fails once and waits on the retry topic when the dispatcher is killed
        int events = 300;
        receiver.answerPerDelivery("/r", 503, 200);
        // (the circuit breaker off: every first attempt fails, which would open it and defer the rest)
        dispatcher
                .with("retry.schedule", "[3s]")
                .with("delivery.circuitBreaker", Map.of("enabled", false))
                .subscription("r", "/r", "[\"*\"]");
        dispatcher.createEventsTopic();
        dispatcher.produce(events, List.of("company.updated"));

        // when
        try (var first = dispatcher.startProcess()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> receiver.received().size() >= events);
            first.kill();
        }
        assertThat(receiver.received())
                .filteredOn(r -> r.answeredStatus() == 200)
                .hasSizeLessThan(events);
        try (var second = dispatcher.startProcess()) {
            // then: every pending retry is delivered, with the delivery id of its first attempt
            await().atMost(Duration.ofSeconds(90))
                    .untilAsserted(() -> assertThat(DispatcherFixture.ids(receiver.received().stream()
                                    .filter(r -> r.answeredStatus() == 200)
                                    .toList()))
                            .hasSize(events));
        }
        Map<String, Set<String>> idsPerEvent = receiver.received().stream()
                .collect(Collectors.groupingBy(
                        r -> SampleEvents.idOf(r.body()),
                        Collectors.mapping(Received::deliveryId, Collectors.toSet())));
        assertThat(idsPerEvent)
                .hasSize(events)
                .allSatisfy((event, ids) -> assertThat(ids).hasSize(1));
    }
}
