package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.testkit.KafkaBroker;
import io.webhookdispatcher.testkit.KafkaBrokerExtension;
import io.webhookdispatcher.testkit.KafkaIO;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The failure path on a real broker with real HTTP receivers, on a short schedule without jitter. */
@ExtendWith(KafkaBrokerExtension.class)
class RetryIT {
    /** How late a due retry may start while the dispatcher is not saturated. */
    private static final Duration LATENESS_BOUND = Duration.ofSeconds(2);

    private final KafkaBroker broker;
    private final WebhookReceiver receiver = new WebhookReceiver();
    private final String run = "retry-" + UUID.randomUUID().toString().substring(0, 8);
    private final String events = run + ".events";
    private final String deadLetter = run + ".dlt";
    private final List<Application> apps = new ArrayList<>();
    private KafkaIO kafka;

    RetryIT(KafkaBroker broker) {
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

    private String yaml(String schedule, String extraKafka, String subscriptions) {
        return """
                kafka:
                  bootstrapServers: %s
                  groupId: %s
                  properties: {%s}
                topics: {events: %s, retry: %s.retry, deadLetter: %s, create: true, partitions: 2, replicationFactor: 1}
                delivery: {requestTimeout: 2s}
                retry:
                  schedule: %s
                  jitter: 0
                  maxRetryAfter: 5s
                management: {port: 0}
                shutdown: {timeout: 5s}
                subscriptions:
                %s
                """.formatted(broker.bootstrapServers(), run, extraKafka, events, run, deadLetter, schedule,
                subscriptions.indent(2));
    }

    private Application start(String yaml) throws Exception {
        var app = new Application(new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "test.yaml"),
                Clock.systemUTC());
        apps.add(app);
        app.start();
        return app;
    }

    private String sub(String id, String path, String events) {
        receiver.endpoint(path, "secret-" + id);
        return "- {id: %s, url: \"%s\", secret: secret-%s, events: %s}\n".formatted(id, receiver.url(path), id, events);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return WebhookHeaders.get(r.headers(), name).orElse(null);
    }

    @Test
    void shouldDeliverOnTheThirdAttemptWithTheSameIdAndNotRepeatOtherSubscriptions() throws Exception {
        // given
        receiver.answer("/flaky", 500, 503, 200);
        start(yaml("[300ms, 600ms, 1s]", "", sub("flaky", "/flaky", "[\"*\"]") + sub("a", "/a", "[\"*\"]")
                + sub("b", "/b", "[\"person.*\"]")));

        // when
        kafka.send(events, "p1", SampleEvents.event("person.created", "p1"));

        // then
        await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received("/flaky").size() == 3);
        List<Received> attempts = receiver.received("/flaky");
        assertThat(attempts).extracting(Received::answeredStatus).containsExactly(500, 503, 200);
        assertThat(attempts).extracting(Received::deliveryId).containsOnly(attempts.get(0).deliveryId());
        assertThat(attempts).allMatch(Received::signatureValid);
        assertThat(receiver.received("/a")).hasSize(1);
        assertThat(receiver.received("/b")).hasSize(1);
        assertWithinBound(attempts.get(0).at(), attempts.get(1).at(), Duration.ofMillis(300));
        assertWithinBound(attempts.get(1).at(), attempts.get(2).at(), Duration.ofMillis(600));
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.uncommitted(run, events) == 0);
    }

    @Test
    void shouldNotHoldAShortRetryBehindALongOne() throws Exception {
        // given: one delivery already waits out the long step, then another fails once
        receiver.answerPerDelivery("/slow", 500, 500, 500, 200).answerPerDelivery("/quick", 500, 200);
        start(yaml("[300ms, 30s]", "", sub("slow", "/slow", "[\"person.*\"]") + sub("quick", "/quick", "[\"note.*\"]")));
        kafka.send(events, "p1", SampleEvents.event("person.created", "p1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/slow").size() == 2);

        // when
        kafka.send(events, "n1", SampleEvents.event("note.created", "n1"));

        // then: the 300 ms retry comes on time, while the 30 s one is still waiting
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/quick").size() == 2);
        List<Received> quick = receiver.received("/quick");
        assertWithinBound(quick.get(0).at(), quick.get(1).at(), Duration.ofMillis(300));
        assertThat(receiver.received("/slow")).hasSize(2);
    }

    @Test
    void shouldGoStraightToTheDeadLetterTopicOnAPermanentStatus() throws Exception {
        // given
        receiver.answer("/gone", 410);
        start(yaml("[300ms, 600ms]", "", sub("gone", "/gone", "[\"*\"]")));

        // when
        kafka.send(events, "c1", SampleEvents.event("company.deleted", "c1"));

        // then
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.readAll(deadLetter).size() == 1);
        ConsumerRecord<byte[], byte[]> dead = kafka.readAll(deadLetter).get(0);
        assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo("permanent-failure");
        assertThat(header(dead, WebhookHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(header(dead, WebhookHeaders.LAST_STATUS)).isEqualTo("410");
        assertThat(receiver.received("/gone")).hasSize(1);
    }

    @Test
    void shouldDeadLetterAfterTheLastAttemptWithTheFullHeaderSet() throws Exception {
        // given
        receiver.answer("/down", 502);
        start(yaml("[200ms, 400ms]", "", sub("down", "/down", "[\"*\"]")));

        // when
        kafka.send(events, "n1", SampleEvents.event("note.updated", "n1"));

        // then
        await().atMost(Duration.ofSeconds(15)).until(() -> kafka.readAll(deadLetter).size() == 1);
        ConsumerRecord<byte[], byte[]> dead = kafka.readAll(deadLetter).get(0);
        List<Received> attempts = receiver.received("/down");
        assertThat(attempts).hasSize(3);
        assertThat(dead.value()).isEqualTo(attempts.get(0).body());
        assertThat(new String(dead.key())).isEqualTo("n1");
        assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo("retries-exhausted");
        assertThat(header(dead, WebhookHeaders.SUBSCRIPTION)).isEqualTo("down");
        assertThat(header(dead, WebhookHeaders.DELIVERY_ID)).isEqualTo(attempts.get(0).deliveryId());
        assertThat(header(dead, WebhookHeaders.EVENT_TYPE)).isEqualTo("note.updated");
        assertThat(header(dead, WebhookHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(Instant.parse(header(dead, WebhookHeaders.FIRST_ATTEMPT_AT)))
                .isBefore(Instant.parse(header(dead, WebhookHeaders.LAST_ATTEMPT_AT)));
        assertThat(header(dead, WebhookHeaders.LAST_STATUS)).isEqualTo("502");
        assertThat(header(dead, WebhookHeaders.ERROR_CLASS)).isEqualTo("HttpStatus");
        assertThat(header(dead, WebhookHeaders.ERROR_MESSAGE)).isEqualTo("HTTP 502");
        assertThat(header(dead, WebhookHeaders.RESPONSE_BODY)).isEqualTo("{\"status\":502}");
        assertThat(header(dead, WebhookHeaders.ORIGINAL_TOPIC)).isEqualTo(events);
        assertThat(header(dead, WebhookHeaders.ORIGINAL_PARTITION)).matches("[01]");
        assertThat(header(dead, WebhookHeaders.ORIGINAL_OFFSET)).isEqualTo("0");
        assertThat(dead.headers().toArray()).noneMatch(h -> new String(h.value()).contains("secret-down"));
    }

    @Test
    void shouldHonourRetryAfterByMovingToALongEnoughStep() throws Exception {
        // given: 429 with Retry-After: 2 (seconds); steps 300ms, 1s are too short, 3s is the first long enough
        receiver.answer("/limited", 429, 200).header("/limited", "Retry-After", "2");
        start(yaml("[300ms, 1s, 3s]", "", sub("limited", "/limited", "[\"*\"]")));

        // when
        kafka.send(events, "p1", SampleEvents.event("person.updated", "p1"));

        // then
        await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received("/limited").size() == 2);
        List<Received> attempts = receiver.received("/limited");
        assertWithinBound(attempts.get(0).at(), attempts.get(1).at(), Duration.ofSeconds(3));
        assertThat(kafka.readAll(run + ".retry-3s")).hasSize(1);
        assertThat(kafka.readAll(run + ".retry-300ms")).isEmpty();
    }

    @Test
    void shouldNotCommitPastAFailedDeadLetterWriteAndRedoItOnceTheTopicExists() throws Exception {
        // given: a running dispatcher whose dead-letter topic then disappears (auto-creation is off)
        receiver.answer("/bad", 400);
        start(yaml("[300ms]", "delivery.timeout.ms: \"3000\", request.timeout.ms: \"1000\", max.block.ms: \"1000\"",
                sub("bad", "/bad", "[\"*\"]")));
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.deleteTopics(List.of(deadLetter)).all().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    !admin.listTopics().names().get().contains(deadLetter));

            // when: a delivery fails permanently and must be dead-lettered
            kafka.send(events, "k", SampleEvents.event("person.created", "p1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/bad").size() == 1);

            // then: its offset stays uncommitted while the write fails
            Thread.sleep(3000); // long enough for several failed writes and commit intervals
            assertThat(kafka.uncommitted(run, events)).isEqualTo(1);

            // when: the topic is back
            admin.createTopics(List.of(new NewTopic(deadLetter, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        }

        // then: the write is redone, nothing is lost, and the offset is committed
        await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(deadLetter).size() == 1);
        assertThat(header(kafka.readAll(deadLetter).get(0), WebhookHeaders.REASON)).isEqualTo("permanent-failure");
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.uncommitted(run, events) == 0);
        assertThat(receiver.received("/bad")).hasSize(1);
    }

    private static void assertWithinBound(Instant previous, Instant next, Duration delay) {
        Duration gap = Duration.between(previous, next);
        assertThat(gap).as("gap before the retry").isGreaterThanOrEqualTo(delay);
        assertThat(gap).as("gap before the retry").isLessThanOrEqualTo(delay.plus(LATENESS_BOUND));
    }
}
