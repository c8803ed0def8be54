package io.webhookdispatcher.retry;

import static io.webhookdispatcher.testkit.DispatcherFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The failure path on a real broker with real HTTP receivers, on a short schedule without jitter. */
@ExtendWith(DispatcherExtension.class)
class RetryIT {
    /** How late a due retry may start while the dispatcher is not saturated. */
    private static final Duration LATENESS_BOUND = Duration.ofSeconds(2);

    private DispatcherFixture dispatcher;
    private WebhookReceiver receiver;

    @BeforeEach
    void setUp(DispatcherFixture dispatcher) {
        this.dispatcher = dispatcher
                .with("topics.partitions", 2)
                .with("delivery.requestTimeout", "2s")
                .with("retry.maxRetryAfter", "5s");
        this.receiver = dispatcher.receiver();
    }

    @Test
    void shouldDeliverOnTheThirdAttemptWithTheSameIdAndNotRepeatOtherSubscriptions() throws Exception {
        // given
        receiver.answer("/flaky", 500, 503, 200);
        dispatcher
                .with("retry.schedule", "[300ms, 600ms, 1s]")
                .subscription("flaky", "/flaky", "[\"*\"]")
                .subscription("a", "/a", "[\"*\"]")
                .subscription("b", "/b", "[\"person.*\"]")
                .start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));

        // then
        await().atMost(Duration.ofSeconds(15))
                .until(() -> receiver.received("/flaky").size() == 3);
        List<Received> attempts = receiver.received("/flaky");
        assertThat(attempts).extracting(Received::answeredStatus).containsExactly(500, 503, 200);
        assertThat(attempts)
                .extracting(Received::deliveryId)
                .containsOnly(attempts.get(0).deliveryId());
        assertThat(attempts).allMatch(Received::signatureValid);
        assertThat(receiver.received("/a")).hasSize(1);
        assertThat(receiver.received("/b")).hasSize(1);
        assertWithinBound(attempts.get(0).at(), attempts.get(1).at(), Duration.ofMillis(300));
        assertWithinBound(attempts.get(1).at(), attempts.get(2).at(), Duration.ofMillis(600));
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldDeferAnEventsSubscriptionsBehindOpenCircuitsInOneRecordAndDeliverEachOnceTheyRecover() throws Exception {
        // given: five subscriptions whose endpoints fail, with circuits that open after two failures
        List<String> down = List.of("d0", "d1", "d2", "d3", "d4");
        down.forEach(id -> receiver.answer("/" + id, 503));
        dispatcher
                .with("retry.schedule", "[1s, 2s, 4s, 8s, 16s, 32s]")
                .with(
                        "delivery.circuitBreaker",
                        Map.of("failureThreshold", 2, "openDuration", "2s", "maxOpenDuration", "2s"));
        down.forEach(id -> dispatcher.subscription(id, "/" + id, "[\"*\"]"));
        dispatcher.start();
        dispatcher.send("open-1", SampleEvents.event("person.created", "open-1"));
        dispatcher.send("open-2", SampleEvents.event("person.created", "open-2"));
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        down.stream().allMatch(id -> receiver.received("/" + id).size() >= 2));

        // when: 40 events while the circuits are open
        for (int i = 0; i < 40; i++) {
            dispatcher.send("e" + i, SampleEvents.event("person.created", "e" + i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.uncommittedEvents() == 0);

        // then: each event's deferral is one retry record naming the subscriptions it holds, not one per subscription
        List<ConsumerRecord<byte[], byte[]>> firstDeferrals = List.of("1s", "2s", "4s").stream()
                .flatMap(step -> dispatcher.kafka().readAll(dispatcher.retryTopic() + "-" + step).stream())
                .filter(r -> new String(r.key()).startsWith("e") && "1".equals(header(r, WebhookHeaders.DEFERRALS)))
                .toList();
        long named = firstDeferrals.stream()
                .mapToLong(r -> header(r, WebhookHeaders.SUBSCRIPTIONS) == null
                        ? 1
                        : header(r, WebhookHeaders.SUBSCRIPTIONS).split(",").length)
                .sum();
        assertThat(firstDeferrals.size()).isLessThan(40 * 5 / 2);
        assertThat(firstDeferrals)
                .anySatisfy(
                        r -> assertThat(header(r, WebhookHeaders.SUBSCRIPTIONS)).contains("d0:", "d4:"));
        assertThat(named).isGreaterThan(40 * 5 / 2); // the probes' events were attempted, the rest deferred

        // when: the endpoints recover
        down.forEach(id -> receiver.recover("/" + id));

        // then: every subscription gets every event, once delivered, with one delivery id per (event, subscription)
        await().atMost(Duration.ofSeconds(60))
                .until(() -> down.stream()
                        .allMatch(
                                id -> DispatcherFixture.ids(delivered("/" + id)).size() == 42));
        var idsByPair = new java.util.HashMap<String, java.util.Set<String>>();
        for (String id : down) {
            for (Received r : receiver.received("/" + id)) {
                idsByPair
                        .computeIfAbsent(id + "/" + SampleEvents.idOf(r.body()), k -> new java.util.HashSet<>())
                        .add(r.deliveryId());
            }
        }
        assertThat(idsByPair)
                .hasSize(5 * 42)
                .allSatisfy((pair, ids) -> assertThat(ids).hasSize(1));
        assertThat(idsByPair.values().stream().flatMap(java.util.Set::stream)).doesNotHaveDuplicates();
        assertThat(dispatcher.deadLetters()).isEmpty();
    }

    private List<Received> delivered(String path) {
        return receiver.received(path).stream()
                .filter(r -> r.answeredStatus() == 200)
                .toList();
    }

    @Test
    void shouldNotHoldAShortRetryBehindALongOne() throws Exception {
        // given: one delivery already waits out the long step, then another fails once
        receiver.answerPerDelivery("/slow", 500, 500, 500, 200).answerPerDelivery("/quick", 500, 200);
        dispatcher
                .with("retry.schedule", "[300ms, 30s]")
                .subscription("slow", "/slow", "[\"person.*\"]")
                .subscription("quick", "/quick", "[\"note.*\"]")
                .start();
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/slow").size() == 2);

        // when
        dispatcher.send("n1", SampleEvents.event("note.created", "n1"));

        // then: the 300 ms retry comes on time, while the 30 s one is still waiting
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/quick").size() == 2);
        List<Received> quick = receiver.received("/quick");
        assertWithinBound(quick.get(0).at(), quick.get(1).at(), Duration.ofMillis(300));
        assertThat(receiver.received("/slow")).hasSize(2);
    }

    @Test
    void shouldGoStraightToTheDeadLetterTopicOnAPermanentStatus() throws Exception {
        // given
        receiver.answer("/gone", 410);
        dispatcher
                .with("retry.schedule", "[300ms, 600ms]")
                .subscription("gone", "/gone", "[\"*\"]")
                .start();

        // when
        dispatcher.send("c1", SampleEvents.event("company.deleted", "c1"));

        // then
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.deadLetters().size() == 1);
        ConsumerRecord<byte[], byte[]> dead = dispatcher.deadLetters().get(0);
        assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo("permanent-failure");
        assertThat(header(dead, WebhookHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(header(dead, WebhookHeaders.LAST_STATUS)).isEqualTo("410");
        assertThat(receiver.received("/gone")).hasSize(1);
    }

    @Test
    void shouldDeadLetterAfterTheLastAttemptWithTheFullHeaderSet() throws Exception {
        // given
        receiver.answer("/down", 502);
        dispatcher
                .with("retry.schedule", "[200ms, 400ms]")
                .subscription("down", "/down", "[\"*\"]")
                .start();

        // when
        dispatcher.send("n1", SampleEvents.event("note.updated", "n1"));

        // then
        await().atMost(Duration.ofSeconds(15))
                .until(() -> dispatcher.deadLetters().size() == 1);
        ConsumerRecord<byte[], byte[]> dead = dispatcher.deadLetters().get(0);
        List<Received> attempts = receiver.received("/down");
        assertThat(attempts).hasSize(3);
        assertThat(dead.value()).isEqualTo(attempts.get(0).body());
        assertThat(new String(dead.key())).isEqualTo("n1");
        assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo("retries-exhausted");
        assertThat(header(dead, WebhookHeaders.SUBSCRIPTION)).isEqualTo("down");
        assertThat(header(dead, WebhookHeaders.DELIVERY_ID))
                .isEqualTo(attempts.get(0).deliveryId());
        assertThat(header(dead, WebhookHeaders.EVENT_TYPE)).isEqualTo("note.updated");
        assertThat(header(dead, WebhookHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(Instant.parse(header(dead, WebhookHeaders.FIRST_ATTEMPT_AT)))
                .isBefore(Instant.parse(header(dead, WebhookHeaders.LAST_ATTEMPT_AT)));
        assertThat(header(dead, WebhookHeaders.LAST_STATUS)).isEqualTo("502");
        assertThat(header(dead, WebhookHeaders.ERROR_CLASS)).isEqualTo("HttpStatus");
        assertThat(header(dead, WebhookHeaders.ERROR_MESSAGE)).isEqualTo("HTTP 502");
        assertThat(header(dead, WebhookHeaders.RESPONSE_BODY)).isEqualTo("{\"status\":502}");
        assertThat(header(dead, WebhookHeaders.ORIGINAL_TOPIC)).isEqualTo(dispatcher.eventsTopic());
        assertThat(header(dead, WebhookHeaders.ORIGINAL_PARTITION)).matches("[01]");
        assertThat(header(dead, WebhookHeaders.ORIGINAL_OFFSET)).isEqualTo("0");
        assertThat(dead.headers().toArray())
                .noneMatch(h -> new String(h.value()).contains("secret-down-of-24-bytes-or-more"));
    }

    @Test
    void shouldHonourRetryAfterByMovingToALongEnoughStep() throws Exception {
        // given: 429 with Retry-After: 2 (seconds); steps 300ms, 1s are too short, 3s is the first long enough
        receiver.answer("/limited", 429, 200).header("/limited", "Retry-After", "2");
        dispatcher
                .with("retry.schedule", "[300ms, 1s, 3s]")
                .subscription("limited", "/limited", "[\"*\"]")
                .start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.updated", "p1"));

        // then
        await().atMost(Duration.ofSeconds(15))
                .until(() -> receiver.received("/limited").size() == 2);
        List<Received> attempts = receiver.received("/limited");
        assertWithinBound(attempts.get(0).at(), attempts.get(1).at(), Duration.ofSeconds(3));
        assertThat(dispatcher.kafka().readAll(dispatcher.retryTopic() + "-3s")).hasSize(1);
        assertThat(dispatcher.kafka().readAll(dispatcher.retryTopic() + "-300ms"))
                .isEmpty();
    }

    @Test
    void shouldNotCommitPastAFailedDeadLetterWriteAndRedoItOnceTheTopicExists() throws Exception {
        // given: a running dispatcher whose dead-letter topic then disappears (auto-creation is off)
        receiver.answer("/bad", 400);
        dispatcher
                .with("retry.schedule", "[300ms]")
                .with(
                        "kafka.properties",
                        Map.of("delivery.timeout.ms", "3000", "request.timeout.ms", "1000", "max.block.ms", "1000"))
                .subscription("bad", "/bad", "[\"*\"]")
                .start();
        String deadLetter = dispatcher.deadLetterTopic();
        String bootstrap = dispatcher.broker().bootstrapServers();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.deleteTopics(List.of(deadLetter)).all().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !admin.listTopics().names().get().contains(deadLetter));

            // when: a delivery fails permanently and must be dead-lettered
            dispatcher.send("k", SampleEvents.event("person.created", "p1"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.received("/bad").size() == 1);

            // then: its offset stays uncommitted while the write fails
            Thread.sleep(3000); // long enough for several failed writes and commit intervals
            assertThat(dispatcher.uncommittedEvents()).isEqualTo(1);

            // when: the topic is back
            admin.createTopics(List.of(new NewTopic(deadLetter, 1, (short) 1)))
                    .all()
                    .get(10, TimeUnit.SECONDS);
        }

        // then: the write is redone, nothing is lost, and the offset is committed
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.deadLetters().size() == 1);
        assertThat(header(dispatcher.deadLetters().get(0), WebhookHeaders.REASON))
                .isEqualTo("permanent-failure");
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
        assertThat(receiver.received("/bad")).hasSize(1);
    }

    @Test
    void shouldStillDeliverRetriesWaitingInAStepThatIsNoLongerInTheSchedule() throws Exception {
        // given: a retry waiting in the topic of a 7 s step that a config change has since removed
        String oldStep = dispatcher.retryTopic() + "-7s";
        dispatcher.broker().createTopic(oldStep, 1);
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        WebhookHeaders.put(headers, WebhookHeaders.SUBSCRIPTION, "moved");
        WebhookHeaders.put(headers, WebhookHeaders.DELIVERY_ID, "d-7s");
        WebhookHeaders.put(headers, WebhookHeaders.ATTEMPTS, 1);
        WebhookHeaders.put(headers, WebhookHeaders.DUE_AT, Instant.now());
        WebhookHeaders.put(headers, WebhookHeaders.EVENT_TYPE, "person.created");
        dispatcher
                .kafka()
                .send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                        oldStep, null, "p7".getBytes(), SampleEvents.event("person.created", "p7"), headers));

        // when: the dispatcher runs with a schedule without that step
        dispatcher
                .with("retry.schedule", "[300ms, 600ms]")
                .subscription("moved", "/moved", "[\"*\"]")
                .start();

        // then: it is consumed and delivered all the same, with its delivery id
        await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.received("/moved").size() == 1);
        assertThat(receiver.received("/moved").get(0).deliveryId()).isEqualTo("d-7s");
    }

    private static void assertWithinBound(Instant previous, Instant next, Duration delay) {
        Duration gap = Duration.between(previous, next);
        assertThat(gap).as("gap before the retry").isGreaterThanOrEqualTo(delay);
        assertThat(gap).as("gap before the retry").isLessThanOrEqualTo(delay.plus(LATENESS_BOUND));
    }
}
