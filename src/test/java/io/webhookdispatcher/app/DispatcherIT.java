package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.KafkaBroker;
import io.webhookdispatcher.testkit.KafkaBrokerExtension;
import io.webhookdispatcher.testkit.KafkaIO;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dispatcher in-process against a real broker and real HTTP receivers. */
@ExtendWith(KafkaBrokerExtension.class)
class DispatcherIT {
    private final KafkaBroker broker;
    private final WebhookReceiver receiver = new WebhookReceiver();
    private final String run = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final String events = run + ".events";
    private final String deadLetter = run + ".dlt";
    private final List<Application> apps = new ArrayList<>();
    private KafkaIO kafka;

    DispatcherIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @BeforeEach
    void setUp() {
        kafka = new KafkaIO(broker.bootstrapServers());
    }

    @AfterEach
    void tearDown() {
        apps.forEach(Application::close);
        kafka.close();
        receiver.close();
    }

    private Application start(String delivery, String subscriptions) throws Exception {
        String yaml = """
                kafka:
                  bootstrapServers: %s
                  groupId: %s
                topics:
                  events: %s
                  retry: %s.retry
                  deadLetter: %s
                  create: true
                  partitions: 3
                  replicationFactor: 1
                delivery:
                %s
                retry:
                  schedule: [100ms, 200ms]
                  jitter: 0
                management:
                  port: 0
                shutdown:
                  timeout: 5s
                subscriptions:
                %s
                """.formatted(broker.bootstrapServers(), run, events, run, deadLetter, delivery.indent(2),
                subscriptions.indent(2));
        var config = new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "test.yaml");
        var app = new Application(config, Clock.systemUTC());
        apps.add(app);
        app.start();
        return app;
    }

    private static String subscription(String id, String url, String secret, String events) {
        return """
                - id: %s
                  url: %s
                  secret: %s
                  events: %s
                """.formatted(id, url, secret, events);
    }

    private void produce(List<String> types, int perType) {
        for (int i = 0; i < perType; i++) {
            for (String type : types) {
                String id = type + "-" + i;
                kafka.sendAsync(events, id, SampleEvents.event(type, id));
            }
        }
        kafka.flush();
    }

    private static Set<String> ids(List<Received> requests) {
        return requests.stream().map(r -> SampleEvents.idOf(r.body())).collect(Collectors.toSet());
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
        receiver.endpoint("/people", "secret-people").endpoint("/created", "secret-created")
                .endpoint("/mixed", "secret-mixed");
        start("maxInFlight: 32", subscription("people", receiver.url("/people"), "secret-people", "[\"person.*\"]")
                + subscription("created", receiver.url("/created"), "secret-created", "[\"*.created\"]")
                + subscription("mixed", receiver.url("/mixed"), "secret-mixed", "[\"note.deleted\", \"company.*\"]"));

        // when
        produce(SampleEvents.TYPES, 20);

        // then
        Set<String> people = expectedIds(20, "person.created", "person.updated", "person.deleted");
        Set<String> created = expectedIds(20, "person.created", "company.created", "note.created");
        Set<String> mixed = expectedIds(20, "note.deleted", "company.created", "company.updated", "company.deleted");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ids(receiver.received("/people"))).containsExactlyInAnyOrderElementsOf(people);
            assertThat(ids(receiver.received("/created"))).containsExactlyInAnyOrderElementsOf(created);
            assertThat(ids(receiver.received("/mixed"))).containsExactlyInAnyOrderElementsOf(mixed);
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
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.uncommitted(run, events) == 0);
    }

    @Test
    void shouldDeadLetterAnAlwaysFailingReceiversDeliveriesWhileOthersGetTheirs() throws Exception {
        // given
        receiver.endpoint("/ok", "s1").endpoint("/broken", "s2").answer("/broken", 500);
        start("maxInFlight: 16", subscription("ok", receiver.url("/ok"), "s1", "[\"*\"]")
                + subscription("broken", receiver.url("/broken"), "s2", "[\"note.*\"]"));

        // when
        produce(List.of("person.created", "note.created"), 10);

        // then
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ids(receiver.received("/ok"))).hasSize(20));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(kafka.readAll(deadLetter)).hasSize(10));
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readAll(deadLetter);
        assertThat(dead).allSatisfy(r -> {
            assertThat(header(r, WebhookHeaders.SUBSCRIPTION)).isEqualTo("broken");
            assertThat(header(r, WebhookHeaders.LAST_STATUS)).isEqualTo("500");
            assertThat(header(r, WebhookHeaders.ATTEMPTS)).isEqualTo("3");
            assertThat(header(r, WebhookHeaders.REASON)).isEqualTo("retries-exhausted");
            assertThat(header(r, WebhookHeaders.ORIGINAL_TOPIC)).isEqualTo(events);
            assertThat(header(r, WebhookHeaders.ORIGINAL_OFFSET)).isNotNull();
            assertThat(header(r, WebhookHeaders.RESPONSE_BODY)).isEqualTo("{\"status\":500}");
            assertThat(header(r, WebhookHeaders.DELIVERY_ID)).isNotBlank();
            assertThat(SampleEvents.typeOf(r.value())).startsWith("note.");
        });
        Set<String> deadIds = dead.stream().map(r -> header(r, WebhookHeaders.DELIVERY_ID)).collect(Collectors.toSet());
        assertThat(receiver.received("/broken")).hasSize(30)
                .extracting(Received::deliveryId).hasSameElementsAs(deadIds);
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.uncommitted(run, events) == 0);
    }

    @Test
    void shouldNotLetAHungReceiverHoldUpTheOthers() throws Exception {
        // given: a receiver that never answers, and a request timeout far longer than the test waits
        receiver.endpoint("/ok", "s1").hang("/hung");
        start("requestTimeout: 60s\nmaxInFlightPerSubscription: 4",
                subscription("ok", receiver.url("/ok"), "s1", "[\"*\"]")
                        + subscription("hung", receiver.url("/hung"), "s2", "[\"*\"]"));

        // when
        produce(List.of("person.created", "company.updated"), 25);

        // then: every delivery to the healthy receiver arrives while the hung one holds its 4 permits
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ids(receiver.received("/ok"))).hasSize(50));
    }

    @Test
    void shouldDeadLetterMalformedRecordsWithTheirReasonAndKeepGoing() throws Exception {
        // given
        receiver.endpoint("/all", "s");
        start("maxEventBytes: 2048", subscription("all", receiver.url("/all"), "s", "[\"*\"]"));
        Map<String, String> bad = Map.of(
                "k-json", "this is not json",
                "k-array", "[1, 2, 3]",
                "k-missing", "{\"data\": {\"id\": \"1\"}}",
                "k-type", "{\"event\": \"person\"}",
                "k-large", new String(SampleEvents.event("person.created", "big", 3000)));

        // when: all to one partition (same key order), then a tombstone and a good event behind them
        bad.forEach((key, value) -> kafka.send(events, "same-key", value.getBytes()));
        kafka.send(events, "same-key", null);
        kafka.send(events, "same-key", SampleEvents.event("person.created", "good-1"));

        // then
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ids(receiver.received("/all"))).containsExactly("good-1"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(kafka.readAll(deadLetter)).hasSize(5));
        Map<String, String> reasonByValue = kafka.readAll(deadLetter).stream().collect(Collectors.toMap(
                r -> new String(r.value()), r -> header(r, WebhookHeaders.REASON)));
        assertThat(reasonByValue).containsEntry("this is not json", "invalid-json")
                .containsEntry("[1, 2, 3]", "not-an-object")
                .containsEntry("{\"data\": {\"id\": \"1\"}}", "missing-event-type")
                .containsEntry("{\"event\": \"person\"}", "invalid-event-type")
                .containsEntry(bad.get("k-large"), "too-large");
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.uncommitted(run, events) == 0);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return WebhookHeaders.get(r.headers(), name).orElse(null);
    }
}
