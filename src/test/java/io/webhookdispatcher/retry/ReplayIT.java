package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code replay} as operators run it: the real jar's command, against a running dispatcher. */
@ExtendWith(DispatcherExtension.class)
class ReplayIT {

    @Test
    void shouldRedeliverExactlyTheMatchingDeadLettersOncePerRun(DispatcherFixture dispatcher) throws Exception {
        var receiver = dispatcher.receiver();
        // given: every first attempt is refused with 410, so everything is dead-lettered once
        receiver.answerPerDelivery("/x", 410, 200).answerPerDelivery("/y", 410, 200);
        dispatcher.with("topics.partitions", 2).with("retry.schedule", "[300ms]").without("shutdown")
                .subscription("x", "/x", "[\"*\"]")
                .subscription("y", "/y", "[\"*\"]");
        Path config = dispatcher.writeConfig();
        dispatcher.start();
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));
        dispatcher.send("p2", SampleEvents.event("person.updated", "p2"));
        dispatcher.send("n1", SampleEvents.event("note.created", "n1"));
        dispatcher.send("bad", "not json".getBytes());
        await().atMost(Duration.ofSeconds(15)).until(() -> dispatcher.deadLetters().size() == 7);

        // when: a dry run, then a real one for subscription x's person events
        String dry = replay(config, "--subscription", "x", "--event", "person.*", "--dry-run");

        // then
        assertThat(dry).contains("scanned 7, matched 2, would re-publish 2 (1 not replayable");
        Thread.sleep(1000);
        assertThat(receiver.received()).hasSize(6);

        String real = replay(config, "--subscription", "x", "--event", "person.*", "--reason", "permanent-failure");
        assertThat(real).contains("scanned 7, matched 2, re-published 2");
        await().atMost(Duration.ofSeconds(15)).until(() -> delivered(receiver, "/x").size() == 2);
        assertThat(delivered(receiver, "/x")).extracting(r -> SampleEvents.idOf(r.body()))
                .containsExactlyInAnyOrder("p1", "p2");
        assertThat(delivered(receiver, "/y")).isEmpty();
        List<Received> x = receiver.received("/x");
        assertThat(x).allMatch(Received::signatureValid);
        for (Received ok : delivered(receiver, "/x")) {
            assertThat(x).filteredOn(r -> r.deliveryId().equals(ok.deliveryId())).hasSize(2);
        }

        // when: replayed again, it is delivered again (no consumer group remembers a replay)
        assertThat(replay(config, "--subscription", "x", "--event", "person.*")).contains("re-published 2");
        await().atMost(Duration.ofSeconds(15)).until(() -> delivered(receiver, "/x").size() == 4);
        assertThat(receiver.received()).hasSize(6 + 4);
    }

    private static List<Received> delivered(WebhookReceiver receiver, String path) {
        return receiver.received(path).stream().filter(r -> r.answeredStatus() == 200).toList();
    }

    private static String replay(Path config, String... options) throws Exception {
        var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", DispatcherProcess.jar().toString(), "replay", "--config", config.toString()));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }
}
