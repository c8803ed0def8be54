package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIGTERM as Kubernetes sends it, to the real jar under load. */
@ExtendWith(DispatcherExtension.class)
class GracefulShutdownIT {
    private static final int EVENTS = 2000;
    private static final String SECRET = "s3cr3t-never-logged";

    @Test
    void shouldDrainCommitAndExitZeroOnSigtermAndLoseNothingAcrossARestart(DispatcherFixture dispatcher)
            throws Exception {
        var receiver = dispatcher.receiver();
        // given: a backlog, and a receiver slow enough that deliveries are in flight at any moment
        receiver.endpoint("/hook", SECRET).slow("/hook", 20);
        dispatcher.with("shutdown.timeout", "10s").without("retry")
                .subscription(Map.of("id", "hook", "url", receiver.url("/hook") + "?token=abc",
                        "secret", "${HOOK_SECRET}", "events", List.of("*")))
                .env("HOOK_SECRET", SECRET).env("LOG_FORMAT", "json");
        dispatcher.createEventsTopic();
        dispatcher.produce(EVENTS, List.of("person.updated"));

        // when: SIGTERM in the middle of the backlog
        String firstOutput;
        try (var first = dispatcher.startProcess()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received().size() >= EVENTS / 4);
            long started = System.nanoTime();
            int exit = first.terminate(30);
            firstOutput = first.output();
            // then: it drained and exited 0 well within the shutdown timeout (10 s): only started
            // deliveries are waited for, queued ones stay uncommitted for the next owner
            assertThat(exit).as(firstOutput).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
            assertThat(firstOutput).doesNotContain("drain timed out");
            assertThat(receiver.received().size()).isLessThan(EVENTS);
        }
        try (var second = dispatcher.startProcess()) {
            // then: after a restart every event is delivered; repeats carry the same webhook-id
            await().atMost(Duration.ofSeconds(90)).until(() -> dispatcher.receivedIds().size() == EVENTS);
            second.terminate(30);
        }
        Map<String, Set<String>> idsPerEvent = receiver.received().stream().collect(Collectors.groupingBy(
                r -> SampleEvents.idOf(r.body()), Collectors.mapping(Received::deliveryId, Collectors.toSet())));
        assertThat(idsPerEvent.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));

        // and: the log is one JSON object per line, without the secret or the URL's query
        var json = new ObjectMapper();
        assertThat(firstOutput.lines().filter(l -> !l.isBlank())).isNotEmpty().allSatisfy(line -> {
            assertThat(json.readTree(line).has("message")).as(line).isTrue();
        });
        assertThat(firstOutput).doesNotContain(SECRET).doesNotContain("token=abc").contains("shutting down");
    }
}
