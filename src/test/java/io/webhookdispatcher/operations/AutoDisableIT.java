package io.webhookdispatcher.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.app.CliAccess;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.retry.DeadLetters;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Auto-disable on the real broker, with two replicas: an endpoint that fails for longer than a short
 * {@code autoDisableAfter} is disabled on both with one operational event, stays disabled across a restart, and is
 * enabled again by the command or by a changed config; nothing is lost (delivered ∪ dead-lettered = every event).
 */
@ExtendWith(DispatcherExtension.class)
class AutoDisableIT {
    private static final List<String> TYPES = List.of("person.created", "company.updated");
    private static final String SECRET = "auto-disable-it-secret-of-24-bytes";

    @Test
    void shouldDisableADeadEndpointOnEveryReplicaOnceKeepItDisabledAcrossARestartAndEnableItByCommand(
            DispatcherFixture dispatcher) throws Exception {
        // given: two replicas; "dead" answers 503 to everything, "ok" 200; the circuit opens after 3 failures and
        // probes every 200-400 ms, and retries keep failing deliveries alive for ~4 s, so failures go on past 2 s
        String operations = dispatcher.run() + ".operations";
        dispatcher.receiver().answer("/dead", 503);
        dispatcher
                .with("topics.operations", operations)
                .with("delivery.autoDisableAfter", "2s")
                .with("delivery.circuitBreaker", "{failureThreshold: 3, openDuration: 200ms, maxOpenDuration: 400ms}")
                .with("retry.schedule", "[1s, 1s, 1s, 1s]")
                .subscription("dead", "/dead", "[\"*\"]")
                .subscription("ok", "/ok", "[\"*\"]");
        Path config = dispatcher.writeConfig();
        Application first = dispatcher.start();
        Application second = dispatcher.start();

        // when: a first batch
        Set<String> batch1 = produce(dispatcher, "b1", 300);

        // then: both replicas disable it, and one operational event says so
        await().atMost(Duration.ofSeconds(30)).until(() -> disabled(first) && disabled(second));
        List<OperationRecord> disables = records(dispatcher, operations).stream()
                .filter(OperationRecord::disabled)
                .toList();
        assertThat(disables).hasSize(1);
        OperationRecord disable = disables.get(0);
        assertThat(disable.subscription()).isEqualTo("dead");
        assertThat(disable.lastStatus()).isEqualTo(503);
        assertThat(disable.failures()).isPositive();
        assertThat(Duration.between(disable.sinceInstant().orElseThrow(), disable.atInstant()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(disabled(first, "ok")).isFalse();

        // and: every event of the batch reaches "ok", and every one of "dead"'s is dead-lettered (it never answered)
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.receivedIds("/ok").containsAll(batch1)
                        && deadLettered(dispatcher).keySet().containsAll(batch1));
        int attemptsWhenDisabled = dispatcher.receiver().received("/dead").size();

        // when: a replica restarts, and a second batch comes
        second.close();
        Application restarted = dispatcher.start();

        // then: it is disabled from its start, before any delivery
        assertThat(disabled(restarted)).isTrue();
        Set<String> batch2 = produce(dispatcher, "b2", 200);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.receivedIds("/ok").containsAll(batch2)
                        && deadLettered(dispatcher).keySet().containsAll(batch2));
        Map<String, String> reasons = deadLettered(dispatcher);
        assertThat(batch2).allSatisfy(id -> assertThat(reasons.get(id)).isEqualTo(DeadLetters.ENDPOINT_DISABLED));
        assertThat(dispatcher.receiver().received("/dead"))
                .as("no attempt (and no probe) while disabled")
                .hasSize(attemptsWhenDisabled);

        // when: the endpoint is fixed and the command enables it
        dispatcher.receiver().recover("/dead");
        Cli enable = cli("enable", "--config", config.toString(), "--subscription", "dead");

        // then: every replica sends to it again, and new events reach it
        assertThat(enable.exit()).as(enable.err()).isZero();
        assertThat(enable.out()).contains("enabled subscription dead", "--reason endpoint-disabled");
        await().atMost(Duration.ofSeconds(10)).until(() -> !disabled(first) && !disabled(restarted));
        Cli again = cli("enable", "--config", config.toString(), "--subscription", "dead", "--output", "json");
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("\"enabled\":false", "\"state\":\"subscription.enabled\"");
        Set<String> batch3 = produce(dispatcher, "b3", 100);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> delivered(dispatcher, "/dead").containsAll(batch3));

        // and: replaying what it missed delivers it; nothing was lost
        Set<String> missed = deadLettered(dispatcher).entrySet().stream()
                .filter(e -> e.getValue().equals(DeadLetters.ENDPOINT_DISABLED))
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        assertThat(missed).containsAll(batch2);
        Cli replay = cli(
                "replay",
                "--config",
                config.toString(),
                "--subscription",
                "dead",
                "--reason",
                DeadLetters.ENDPOINT_DISABLED);
        assertThat(replay.exit()).as(replay.err()).isZero();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> delivered(dispatcher, "/dead").containsAll(missed));
        var all = new HashSet<String>();
        List.of(batch1, batch2, batch3).forEach(all::addAll);
        assertThat(dispatcher.receivedIds("/ok")).containsAll(all);
        var accounted = new HashSet<>(delivered(dispatcher, "/dead"));
        accounted.addAll(deadLettered(dispatcher).keySet());
        assertThat(accounted).containsAll(all);
        assertThat(records(dispatcher, operations).stream().filter(OperationRecord::disabled))
                .hasSize(1);
    }

    @Test
    void shouldEnableADisabledSubscriptionWhenItsEndpointConfigChanges(DispatcherFixture dispatcher) throws Exception {
        // given: a disabled subscription
        String operations = dispatcher.run() + ".operations";
        dispatcher.receiver().answer("/dead", 503);
        dispatcher
                .with("topics.operations", operations)
                .with("reload.interval", "200ms")
                .with("delivery.circuitBreaker", "{failureThreshold: 3, openDuration: 200ms, maxOpenDuration: 400ms}")
                .with("retry.schedule", "[1s, 1s, 1s, 1s]")
                .subscription(subscription(dispatcher, "/dead"));
        Application app = dispatcher.startWithReload();
        produce(dispatcher, "b1", 100);
        await().atMost(Duration.ofSeconds(30)).until(() -> disabled(app));

        // when: its URL is changed to an endpoint that works
        dispatcher.withoutSubscriptions().subscription(subscription(dispatcher, "/fixed"));
        dispatcher.writeConfig();

        // then: it is enabled again, by the config, once, and new events reach the new URL
        await().atMost(Duration.ofSeconds(10)).until(() -> !disabled(app));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> records(dispatcher, operations).stream()
                        .anyMatch(r -> r.type().equals(OperationRecord.ENABLED)));
        assertThat(records(dispatcher, operations))
                .filteredOn(r -> r.type().equals(OperationRecord.ENABLED))
                .singleElement()
                .satisfies(r -> assertThat(r.by()).isEqualTo("config"));
        Set<String> batch2 = produce(dispatcher, "b2", 50);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> delivered(dispatcher, "/fixed").containsAll(batch2));
    }

    private static Map<String, Object> subscription(DispatcherFixture dispatcher, String path) {
        return Map.of(
                "id",
                "dead",
                "url",
                dispatcher.receiver().url(path),
                "secret",
                SECRET,
                "events",
                List.of("*"),
                "autoDisableAfter",
                "1s");
    }

    private static Set<String> produce(DispatcherFixture dispatcher, String prefix, int count) {
        var ids = new HashSet<String>();
        IntStream.range(0, count).forEach(i -> {
            String id = prefix + "-" + i;
            ids.add(id);
            dispatcher.kafka().sendAsync(dispatcher.eventsTopic(), id, SampleEvents.event(TYPES.get(i % 2), id, 200));
        });
        dispatcher.kafka().flush();
        return ids;
    }

    private static boolean disabled(Application app) {
        return disabled(app, "dead");
    }

    private static boolean disabled(Application app, String subscription) {
        return app.registry()
                        .get(DispatcherMetrics.SUBSCRIPTION_DISABLED)
                        .tag("subscription", subscription)
                        .gauge()
                        .value()
                == 1;
    }

    private static List<OperationRecord> records(DispatcherFixture dispatcher, String topic) {
        return dispatcher.kafka().readAll(topic).stream()
                .map(r -> OperationRecord.parse(r.value()).orElseThrow())
                .toList();
    }

    /** Event id → dead-letter reason, of subscription "dead". */
    private static Map<String, String> deadLettered(DispatcherFixture dispatcher) {
        var result = new HashMap<String, String>();
        for (ConsumerRecord<byte[], byte[]> r : dispatcher.deadLetters()) {
            if ("dead".equals(DispatcherFixture.header(r, WebhookHeaders.SUBSCRIPTION))) {
                result.put(SampleEvents.idOf(r.value()), DispatcherFixture.header(r, WebhookHeaders.REASON));
            }
        }
        return result;
    }

    private static Set<String> delivered(DispatcherFixture dispatcher, String path) {
        return DispatcherFixture.ids(dispatcher.receiver().received(path).stream()
                .filter(r -> r.answeredStatus() == 200)
                .toList());
    }

    private record Cli(int exit, String out, String err) {}

    private static Cli cli(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = CliAccess.run(args, out, err);
        return new Cli(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
