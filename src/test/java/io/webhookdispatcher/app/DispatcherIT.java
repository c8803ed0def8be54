package io.webhookdispatcher.app;

import static io.webhookdispatcher.testkit.DispatcherFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.retry.WebhookHeaders;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dispatcher in-process against a real broker and real HTTP receivers. */
@ExtendWith(DispatcherExtension.class)
class DispatcherIT {
    private DispatcherFixture dispatcher;
    private WebhookReceiver receiver;

    @BeforeEach
    void setUp(DispatcherFixture dispatcher) {
        this.dispatcher = dispatcher;
        this.receiver = dispatcher.receiver();
    }

    private static Set<String> expectedIds(int perType, String... types) {
        var ids = new HashSet<String>();
        for (String type : types) {
            for (int i = 0; i < perType; i++) {
                ids.add(type + "-" + i);
            }
        }
        return ids;
    }

    @Test
    void shouldFanOutEachEventToExactlyTheMatchingSubscriptionsWithValidSignatures() throws Exception {
        // given
        dispatcher
                .with("delivery.maxInFlight", 32)
                .subscription("people", "/people", "[\"person.*\"]")
                .subscription("created", "/created", "[\"*.created\"]")
                .subscription("mixed", "/mixed", "[\"note.deleted\", \"company.*\"]")
                .start();

        // when
        dispatcher.producePerType(20, SampleEvents.TYPES);

        // then
        Set<String> people = expectedIds(20, "person.created", "person.updated", "person.deleted");
        Set<String> created = expectedIds(20, "person.created", "company.created", "note.created");
        Set<String> mixed = expectedIds(20, "note.deleted", "company.created", "company.updated", "company.deleted");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(dispatcher.receivedIds("/people")).containsExactlyInAnyOrderElementsOf(people);
            assertThat(dispatcher.receivedIds("/created")).containsExactlyInAnyOrderElementsOf(created);
            assertThat(dispatcher.receivedIds("/mixed")).containsExactlyInAnyOrderElementsOf(mixed);
        });
        List<Received> all = receiver.received();
        assertThat(all).hasSize(people.size() + created.size() + mixed.size());
        assertThat(all).allSatisfy(r -> {
            assertThat(r.signatureValid()).as("signature of %s", r.deliveryId()).isTrue();
            assertThat(r.contentType()).isEqualTo("application/json");
            assertThat(r.userAgent()).startsWith("webhook-dispatcher/");
            assertThat(r.nonce()).matches("[0-9a-f]{32}");
        });
        assertThat(all.stream().map(Received::deliveryId).distinct()).hasSize(all.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldDeadLetterAnAlwaysFailingReceiversDeliveriesWhileOthersGetTheirs() throws Exception {
        // given: the retry schedule alone (the circuit breaker would stop calling /broken: see the next test)
        receiver.answer("/broken", 500);
        dispatcher
                .with("delivery.maxInFlight", 16)
                .with("delivery.circuitBreaker", Map.of("enabled", false))
                .subscription("ok", "/ok", "[\"*\"]")
                .subscription("broken", "/broken", "[\"note.*\"]")
                .start();

        // when
        dispatcher.producePerType(10, List.of("person.created", "note.created"));

        // then
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(dispatcher.receivedIds("/ok")).hasSize(20));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(dispatcher.deadLetters()).hasSize(10));
        List<ConsumerRecord<byte[], byte[]>> dead = dispatcher.deadLetters();
        assertThat(dead).allSatisfy(r -> {
            assertThat(header(r, WebhookHeaders.SUBSCRIPTION)).isEqualTo("broken");
            assertThat(header(r, WebhookHeaders.LAST_STATUS)).isEqualTo("500");
            assertThat(header(r, WebhookHeaders.ATTEMPTS)).isEqualTo("3");
            assertThat(header(r, WebhookHeaders.REASON)).isEqualTo("retries-exhausted");
            assertThat(header(r, WebhookHeaders.ORIGINAL_TOPIC)).isEqualTo(dispatcher.eventsTopic());
            assertThat(header(r, WebhookHeaders.ORIGINAL_OFFSET)).isNotNull();
            assertThat(header(r, WebhookHeaders.RESPONSE_BODY)).isEqualTo("{\"status\":500}");
            assertThat(header(r, WebhookHeaders.DELIVERY_ID)).isNotBlank();
            assertThat(SampleEvents.typeOf(r.value())).startsWith("note.");
        });
        Set<String> deadIds =
                dead.stream().map(r -> header(r, WebhookHeaders.DELIVERY_ID)).collect(Collectors.toSet());
        assertThat(receiver.received("/broken"))
                .hasSize(30)
                .extracting(Received::deliveryId)
                .hasSameElementsAs(deadIds);
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldStopCallingAnAlwaysFailingEndpointAndStillDeadLetterItsDeliveriesByTheSchedule() throws Exception {
        // given: the default circuit breaker (opens after 5 consecutive failures, for 5 s)
        receiver.answer("/broken", 500);
        dispatcher.subscription("broken", "/broken", "[\"*\"]").start();

        // when: 40 events
        dispatcher.produce(40, List.of("note.created"));

        // then: once open, the circuit defers instead of calling, and each delivery is dead-lettered once the
        // schedule's time (100 ms + 200 ms) has passed since its first attempt: 40 dead letters from 5 to 40 calls,
        // not the 120 calls of 3 attempts each
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(dispatcher.deadLetters()).hasSize(40));
        assertThat(dispatcher.deadLetters())
                .allSatisfy(r -> assertThat(header(r, WebhookHeaders.REASON)).isEqualTo("retries-exhausted"));
        assertThat(receiver.received("/broken").size()).isBetween(5, 40);
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldNotLetAHungReceiverHoldUpTheOthers() throws Exception {
        // given: a receiver that never answers, and a request timeout far longer than the test waits
        receiver.hang("/hung");
        dispatcher
                .with("delivery.requestTimeout", "60s")
                .with("delivery.maxInFlightPerSubscription", 4)
                .subscription("ok", "/ok", "[\"*\"]")
                .subscription("hung", "/hung", "[\"*\"]")
                .start();

        // when
        dispatcher.producePerType(25, List.of("person.created", "company.updated"));

        // then: every delivery to the healthy receiver arrives while the hung one holds its 4 permits
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(dispatcher.receivedIds("/ok")).hasSize(50));
    }

    @Test
    void shouldDeadLetterMalformedRecordsWithTheirReasonAndKeepGoing() throws Exception {
        // given
        dispatcher
                .with("delivery.maxEventBytes", 2048)
                .subscription("all", "/all", "[\"*\"]")
                .start();
        Map<String, String> bad = Map.of(
                "k-json", "this is not json",
                "k-array", "[1, 2, 3]",
                "k-missing", "{\"data\": {\"id\": \"1\"}}",
                "k-type", "{\"event\": \"person\"}",
                "k-large", new String(SampleEvents.event("person.created", "big", 3000)));

        // when: all to one partition (same key order), then a tombstone and a good event behind them
        bad.forEach((key, value) -> dispatcher.send("same-key", value.getBytes()));
        dispatcher.send("same-key", null);
        dispatcher.send("same-key", SampleEvents.event("person.created", "good-1"));

        // then
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(dispatcher.receivedIds("/all")).containsExactly("good-1"));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(dispatcher.deadLetters()).hasSize(5));
        // a too-large event's dead letter has no value (the topic might refuse it); the original stays on its topic
        Map<String, String> reasonByValue = dispatcher.deadLetters().stream()
                .collect(Collectors.toMap(
                        r -> r.value() == null
                                ? "omitted " + header(r, WebhookHeaders.VALUE_OMITTED)
                                : new String(r.value()),
                        r -> header(r, WebhookHeaders.REASON)));
        assertThat(reasonByValue)
                .containsEntry("this is not json", "invalid-json")
                .containsEntry("[1, 2, 3]", "not-an-object")
                .containsEntry("{\"data\": {\"id\": \"1\"}}", "missing-event-type")
                .containsEntry("{\"event\": \"person\"}", "invalid-event-type")
                .containsEntry("omitted " + bad.get("k-large").getBytes().length, "too-large");
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldRefuseToStartWhenTheDeadLetterTopicCannotHoldTheLargestEvent() throws Exception {
        // given: a dead-letter topic made elsewhere that takes records of at most 100,000 bytes
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                Map.<String, Object>of("bootstrap.servers", dispatcher.broker().bootstrapServers()))) {
            admin.createTopics(List.of(
                            new org.apache.kafka.clients.admin.NewTopic(dispatcher.deadLetterTopic(), 1, (short) 1)
                                    .configs(Map.of("max.message.bytes", "100000"))))
                    .all()
                    .get();
        }

        // when / then: with events of up to 1 MiB, a dead letter could never be written; so it does not start
        dispatcher.subscription("all", "/all", "[\"*\"]");
        org.assertj.core.api.Assertions.assertThatThrownBy(dispatcher::start)
                .isInstanceOf(StartupException.class)
                .hasMessageContaining(dispatcher.deadLetterTopic() + " (100000)")
                .hasMessageContaining("max.message.bytes to at least " + (1048576 + 65536));
    }
}
