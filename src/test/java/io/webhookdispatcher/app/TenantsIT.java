package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Workspace-scoped subscriptions on the real broker with real HTTP: exact routing, and isolation between workspaces. */
@ExtendWith(DispatcherExtension.class)
class TenantsIT {
    private static final Logger log = LoggerFactory.getLogger(TenantsIT.class);

    /** An event in the CRM's own record shape, of workspace {@code workspace} (none if null). */
    private static byte[] event(String type, String id, String workspace) {
        String ws = workspace == null ? "" : ",\"workspaceId\":\"" + workspace + "\"";
        return ("{\"eventName\":\"" + type + "\",\"record\":{\"id\":\"" + id + "\",\"name\":\"Ada\"}" + ws
                        + ",\"eventDate\":\"" + Instant.now() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldDeliverEachEventToExactlyItsWorkspacesMatchingSubscriptionsAndTheUnscopedOnes(DispatcherFixture f)
            throws Exception {
        // given: two workspaces' subscriptions, and one for every workspace's created events
        f.workspaceSubscription("a-people", "ws-a", List.of("person.*"))
                .workspaceSubscription("a-all", "ws-a", List.of("*"))
                .workspaceSubscription("b-all", "ws-b", List.of("*.*"))
                .subscription("audit", "/audit", "[\"*.created\"]")
                .createEventsTopic();
        f.start();

        // when: person and company events of ws-a, ws-b, ws-c and of no workspace
        var workspaces = new String[] {"ws-a", "ws-b", "ws-c", null};
        var types = List.of("person.created", "company.updated");
        for (int i = 0; i < 40; i++) {
            String type = types.get(i % 2);
            String ws = workspaces[(i / 2) % 4];
            f.send("k" + i, event(type, type + "-" + (ws == null ? "none" : ws) + "-" + i, ws));
        }

        // then
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(f.receiver().received()).hasSize(5 + 10 + 10 + 20));
        assertThat(prefixes(f.receivedIds("/a-people"))).containsOnly("person.created-ws-a");
        assertThat(prefixes(f.receivedIds("/a-all"))).containsOnly("person.created-ws-a", "company.updated-ws-a");
        assertThat(prefixes(f.receivedIds("/b-all"))).containsOnly("person.created-ws-b", "company.updated-ws-b");
        assertThat(prefixes(f.receivedIds("/audit")))
                .containsOnly(
                        "person.created-ws-a", "person.created-ws-b", "person.created-ws-c", "person.created-none");
        assertThat(f.receiver().received())
                .allSatisfy(r -> assertThat(r.signatureValid()).isTrue());
        await().atMost(Duration.ofSeconds(10)).until(() -> f.uncommittedEvents() == 0);
    }

    @Test
    void shouldDeliverToOneWorkspaceAtItsOwnPaceWhileAnothersTwentyEndpointsHang(DispatcherFixture f) throws Exception {
        // 10,000 events for the healthy workspace: its drain (about 8 s here) outlasts the hung workspace's first
        // requests timing out (5 s), after which their lanes passed for keeping up and paused the consumer for
        // everyone (0.44-0.63 before the fix); those 20 subscriptions together could hold 20 × 64 requests, five
        // times the 256 permits, and each gets 10,000 events: far past every bound
        int events = 10_000;
        Duration alone;
        try (var solo = isolation(new DispatcherFixture(f.broker(), "tenants-alone"))) {
            solo.workspaceSubscription("healthy", "ws-ok", List.of("*")).createEventsTopic();
            produce(solo, events, List.of());
            solo.start();
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> solo.receiver().received("/healthy").size() >= events);
            alone = WebhookReceiver.span(solo.receiver().received("/healthy"));
        }

        // when: the same backlog beside a workspace whose 20 endpoints never answer, and its 10,000 events
        isolation(f).workspaceSubscription("healthy", "ws-ok", List.of("*"));
        var hung = IntStream.range(0, 20).mapToObj(i -> "hung" + i).toList();
        for (String id : hung) {
            f.workspaceSubscription(id, "ws-down", List.of("*"));
            f.receiver().hang("/" + id);
        }
        f.createEventsTopic();
        produce(f, events, hung);
        var app = f.start();
        await().atMost(Duration.ofMinutes(2))
                .until(() -> f.receiver().received("/healthy").size() >= events);
        Duration beside = WebhookReceiver.span(f.receiver().received("/healthy"));
        double timedOut = app.registry().get(DispatcherMetrics.ATTEMPTS).tag("result", "timeout").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count)
                .sum();

        // then: every healthy event, once, at (nearly) its own pace, while the hung requests timed out meanwhile
        double ratio = (double) alone.toMillis() / Math.max(1, beside.toMillis());
        log.info(
                "healthy workspace, {} events: {} ms alone, {} ms beside 20 hung endpoints of another workspace"
                        + " (rate ratio {}; {} of their requests timed out meanwhile)",
                events,
                alone.toMillis(),
                beside.toMillis(),
                String.format("%.2f", ratio),
                (long) timedOut);
        assertThat(f.receivedIds("/healthy")).hasSize(events);
        assertThat(timedOut).as("hung requests that timed out during the drain").isGreaterThanOrEqualTo(64);
        // the target is 0.9 (met on a quiet machine, docs/BENCHMARKS.md); CI shares its 2 cores with other builds
        assertThat(ratio).as("healthy rate beside ÷ alone").isGreaterThanOrEqualTo(0.8);
    }

    private static DispatcherFixture isolation(DispatcherFixture f) {
        return f.with("topics.partitions", 6)
                .with("delivery.requestTimeout", "5s")
                .with("delivery.circuitBreaker", Map.of("maxOpenDuration", "5s"))
                .with("retry.schedule", "[1s, 2s, 4s, 8s]");
    }

    /** {@code events} events of ws-ok, interleaved with as many of ws-down when it has subscriptions. */
    private static void produce(DispatcherFixture f, int events, List<String> down) {
        for (int i = 0; i < events; i++) {
            f.kafka().sendAsync(f.eventsTopic(), "ok-" + i, event("person.created", "ok-" + i, "ws-ok"));
            if (!down.isEmpty()) {
                f.kafka().sendAsync(f.eventsTopic(), "down-" + i, event("person.created", "down-" + i, "ws-down"));
            }
        }
        f.kafka().flush();
    }

    private static Set<String> prefixes(Set<String> ids) {
        return ids.stream()
                .map(id -> id.substring(0, id.lastIndexOf('-')))
                .collect(Collectors.toCollection(HashSet::new));
    }
}
