package io.webhookdispatcher.app;

import static io.webhookdispatcher.testkit.DispatcherFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dead, slow or refusing endpoint costs only its own subscription: on the real broker, with real HTTP, and
 * with every bound pushed past (backlogs far above the queue, permit and memory bounds).
 */
@ExtendWith(DispatcherExtension.class)
class IsolationIT {
    private static final Logger log = LoggerFactory.getLogger(IsolationIT.class);
    private static final List<String> TYPES = List.of("person.created", "company.updated", "note.deleted");

    /** What the isolation runs share: short steps so that recovery and dead-lettering fit in a test. */
    private static DispatcherFixture isolationConfig(DispatcherFixture f) {
        return f.with("topics.partitions", 6)
                .with("delivery.requestTimeout", "5s")
                .with("delivery.circuitBreaker", Map.of("maxOpenDuration", "5s"))
                .with("retry.schedule", "[1s, 2s, 4s, 8s]");
    }

    @Test
    void shouldDeliverToTheHealthySubscriptionAtItsOwnPaceWhileItsNeighboursHangAreSlowOrRefuse(
            DispatcherFixture dispatcher) throws Exception {
        int events = 5_000; // 20 times the queue's pause mark, 80 times a lane's permits, 5 times its queue bound
        // given: how long the healthy subscription takes alone, for the same backlog
        Duration alone;
        try (var solo = isolationConfig(new DispatcherFixture(dispatcher.broker(), "isolation-alone"))) {
            solo.subscription("healthy", "/healthy", "[\"*\"]").createEventsTopic();
            solo.produce(events, TYPES);
            solo.start();
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> solo.receiver().received("/healthy").size() >= events);
            alone = WebhookReceiver.span(solo.receiver().received("/healthy"));
        }

        // when: the same backlog, with neighbours that never answer, answer after 1 s, and refuse connections
        WebhookReceiver receiver = dispatcher.receiver().hang("/hung").slow("/slow", 1000);
        int refusedPort = freePort();
        isolationConfig(dispatcher)
                .subscription("healthy", "/healthy", "[\"*\"]")
                .subscription("hung", "/hung", "[\"*\"]")
                .subscription("slow", "/slow", "[\"*\"]")
                .subscription(Map.of(
                        "id",
                        "refused",
                        "url",
                        "http://127.0.0.1:" + refusedPort + "/refused",
                        "secret",
                        "secret-refused-of-24-bytes-or-more",
                        "events",
                        List.of("*")))
                .createEventsTopic();
        dispatcher.produce(events, TYPES);
        dispatcher.start();
        await().atMost(Duration.ofMinutes(2))
                .until(() -> receiver.received("/healthy").size() >= events);
        Duration withNeighbours = WebhookReceiver.span(receiver.received("/healthy"));

        // then: the healthy subscription got every event once, at (nearly) its own pace
        log.info(
                "healthy subscription, {} events: {} ms alone, {} ms beside hung, slow and refusing neighbours",
                events,
                alone.toMillis(),
                withNeighbours.toMillis());
        assertThat(dispatcher.receivedIds("/healthy")).hasSize(events);
        assertThat(receiver.received("/healthy")).hasSize(events);
        assertThat(withNeighbours).isLessThanOrEqualTo(Duration.ofMillis(alone.toMillis() * 3 / 2));

        // when: the bad endpoints recover
        receiver.recover("/hung").recover("/slow");
        try (var back = new WebhookReceiver(refusedPort).endpoint("/refused", "secret-refused-of-24-bytes-or-more")) {
            // then: every event reached every subscription or its dead letters; nothing lost, duplicates only
            // under the same webhook-id
            Set<String> all =
                    IntStream.range(0, events).mapToObj(i -> "id-" + i).collect(Collectors.toSet());
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        List<ConsumerRecord<byte[], byte[]>> dead = dispatcher.deadLetters();
                        for (var sub : List.of("hung", "slow", "refused")) {
                            List<Received> got =
                                    sub.equals("refused") ? back.received("/refused") : receiver.received("/" + sub);
                            var reached = new HashSet<>(DispatcherFixture.ids(got));
                            reached.addAll(deadLetterIds(dead, sub));
                            assertThat(reached).as(sub).isEqualTo(all);
                            assertOneDeliveryIdPerEvent(got);
                        }
                    });
            assertThat(dispatcher.deadLetters())
                    .noneMatch(r -> "healthy".equals(header(r, WebhookHeaders.SUBSCRIPTION)));
            await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.uncommittedEvents() == 0);
        }
    }

    @Test
    void shouldPauseConsumptionWhileDeadLetterWritesFailAndLoseNothingOnceTheyWork(DispatcherFixture dispatcher)
            throws Exception {
        // given: every delivery is rejected for good (400: dead-lettered), a 2 MiB memory bound, ~1 KiB events
        dispatcher.receiver().answer("/picky", 400);
        Application app = dispatcher
                .with("delivery.maxBufferedBytes", "2MiB")
                .with(
                        "kafka.properties",
                        Map.of("delivery.timeout.ms", "3000", "request.timeout.ms", "1000", "max.block.ms", "1000"))
                .subscription("picky", "/picky", "[\"*\"]")
                .start();
        try (Admin admin = Admin.create(
                Map.<String, Object>of("bootstrap.servers", dispatcher.broker().bootstrapServers()))) {
            // when: the dead-letter topic disappears, and 5,000 events (~5 MiB, over twice the bound) arrive
            admin.deleteTopics(List.of(dispatcher.deadLetterTopic())).all().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !admin.listTopics().names().get().contains(dispatcher.deadLetterTopic()));
            int events = 5000;
            dispatcher.produce(events, TYPES, 1000);

            // then: consumption pauses at the bound instead of holding every record in memory
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> gauge(app, DispatcherMetrics.CONSUMER_PAUSED, "events-consumer") == 1);
            double consumed = app.registry()
                    .get(DispatcherMetrics.CONSUMED)
                    .tag("topic", dispatcher.eventsTopic())
                    .counter()
                    .count();
            double buffered = gauge(app, DispatcherMetrics.BUFFERED, "events-consumer");
            log.info(
                    "dead-letter writes failing: consumed {} of {} events, {} bytes buffered (share {})",
                    consumed,
                    events,
                    buffered,
                    gauge(app, DispatcherMetrics.BUFFERED_LIMIT, "events-consumer"));
            assertThat(consumed).isLessThan(events / 2.0);
            // one poll (fetch.max.bytes) of overshoot at most
            assertThat(buffered).isLessThan(2 * 1024 * 1024 + 8 * 1024 * 1024);
            assertThat(dispatcher.uncommittedEvents()).isEqualTo(events);

            // when: the topic is back
            admin.createTopics(List.of(new NewTopic(dispatcher.deadLetterTopic(), 3, (short) 1)))
                    .all()
                    .get(10, TimeUnit.SECONDS);
        }

        // then: every event is dead-lettered, nothing lost, and the offsets are committed
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(dispatcher.deadLetters().stream()
                                .map(r -> header(r, WebhookHeaders.DELIVERY_ID))
                                .distinct())
                        .hasSize(5000));
        await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldRetryOnTimeWhileADeadNeighboursDeferralsFillTheSameRetryTopic(DispatcherFixture dispatcher)
            throws Exception {
        // given: one retry topic (one delay) shared by a dead subscription's deferrals and a flaky one's retries;
        // the flaky one fails each delivery once (its own circuit breaker off, so that its retries are attempted)
        int events = 3000;
        int notes = events / TYPES.size();
        isolationConfig(dispatcher)
                .with("retry.schedule", "[500ms, 500ms, 500ms, 500ms]")
                .subscription(Map.of(
                        "id",
                        "dead",
                        "url",
                        "http://127.0.0.1:" + freePort() + "/dead",
                        "secret",
                        "secret-dead-of-24-bytes-or-more",
                        "events",
                        List.of("*")))
                .subscription(Map.of(
                        "id",
                        "flaky",
                        "url",
                        dispatcher.receiver().url("/flaky"),
                        "secret",
                        "secret-flaky-of-24-bytes-or-more",
                        "events",
                        List.of("note.*"),
                        "circuitBreaker",
                        Map.of("enabled", false)));
        dispatcher
                .receiver()
                .endpoint("/flaky", "secret-flaky-of-24-bytes-or-more")
                .answerPerDelivery("/flaky", 500, 200);

        // when
        dispatcher.start();
        dispatcher.produce(events, TYPES);

        // then: every retry of the flaky subscription starts within 2 s of its due time
        await().atMost(Duration.ofMinutes(1))
                .until(() -> DispatcherFixture.ids(dispatcher.receiver().received("/flaky").stream()
                                        .filter(r -> r.answeredStatus() == 200)
                                        .toList())
                                .size()
                        == notes);
        var byDelivery =
                dispatcher.receiver().received("/flaky").stream().collect(Collectors.groupingBy(Received::deliveryId));
        Duration worst = Duration.ZERO;
        for (List<Received> attempts : byDelivery.values()) {
            attempts.sort(Comparator.comparing(Received::at));
            Duration gap =
                    Duration.between(attempts.get(0).at(), attempts.get(1).at());
            assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            worst = gap.compareTo(worst) > 0 ? gap : worst;
        }
        log.info(
                "flaky subscription beside a dead one: {} retries, the latest {} ms after its failure (due at 500 ms)",
                byDelivery.size(),
                worst.toMillis());
        assertThat(worst).isLessThanOrEqualTo(Duration.ofMillis(500 + 2000));
    }

    private static Set<String> deadLetterIds(List<ConsumerRecord<byte[], byte[]>> dead, String subscription) {
        return dead.stream()
                .filter(r -> subscription.equals(header(r, WebhookHeaders.SUBSCRIPTION)))
                .map(r -> SampleEvents.idOf(r.value()))
                .collect(Collectors.toSet());
    }

    private static void assertOneDeliveryIdPerEvent(List<Received> requests) {
        Map<String, Set<String>> idsByEvent = requests.stream()
                .collect(Collectors.groupingBy(
                        r -> SampleEvents.idOf(r.body()),
                        Collectors.mapping(Received::deliveryId, Collectors.toSet())));
        assertThat(idsByEvent.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
    }

    private static double gauge(Application app, String name, String loop) {
        return app.registry().get(name).tag("loop", loop).gauge().value();
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
