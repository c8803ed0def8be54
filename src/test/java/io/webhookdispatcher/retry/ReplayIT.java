package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        dispatcher
                .with("topics.partitions", 2)
                .with("retry.schedule", "[300ms]")
                .without("shutdown")
                .subscription("x", "/x", "[\"*\"]")
                .subscription("y", "/y", "[\"*\"]");
        Path config = dispatcher.writeConfig();
        dispatcher.start();
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));
        dispatcher.send("p2", SampleEvents.event("person.updated", "p2"));
        dispatcher.send("n1", SampleEvents.event("note.created", "n1"));
        dispatcher.send("bad", "not json".getBytes());
        await().atMost(Duration.ofSeconds(15))
                .until(() -> dispatcher.deadLetters().size() == 7);

        // when: a mistyped filter, and no filter without --all
        Run typo = run(config, "--subscripton", "x", "--event", "person.*");
        Run unfiltered = run(config);

        // then: usage errors that replay nothing (checked with the dry runs below)
        assertThat(typo.exit()).as(typo.stderr()).isEqualTo(2);
        assertThat(typo.stderr()).contains("Unknown options: '--subscripton', 'x'");
        assertThat(unfiltered.exit()).as(unfiltered.stderr()).isEqualTo(2);
        assertThat(unfiltered.stderr()).contains("or --all to replay every dead letter");

        // when: dry runs, of everything and of subscription x's person events
        String dryAll = replay(config, "--all", "--dry-run");
        String dry = replay(config, "--subscription=x", "--event=person.*", "--dry-run");

        // then
        assertThat(dryAll).contains("scanned 7, matched 6, would re-publish 6 (1 not replayable");
        assertThat(dry).contains("scanned 7, matched 2, would re-publish 2 (1 not replayable");
        Thread.sleep(1000);
        assertThat(receiver.received()).hasSize(6);

        String real = replay(config, "--subscription", "x", "--event", "person.*", "--reason", "permanent-failure");
        assertThat(real).contains("scanned 7, matched 2, re-published 2");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> delivered(receiver, "/x").size() == 2);
        assertThat(delivered(receiver, "/x"))
                .extracting(r -> SampleEvents.idOf(r.body()))
                .containsExactlyInAnyOrder("p1", "p2");
        assertThat(delivered(receiver, "/y")).isEmpty();
        List<Received> x = receiver.received("/x");
        assertThat(x).allMatch(Received::signatureValid);
        for (Received ok : delivered(receiver, "/x")) {
            assertThat(x)
                    .filteredOn(r -> r.deliveryId().equals(ok.deliveryId()))
                    .hasSize(2);
        }

        // when: replayed again, with the result as JSON, it is delivered again (no consumer group remembers a replay)
        Run again = run(config, "--subscription", "x", "--event", "person.*", "--output", "json");

        // then: stdout is the one JSON result; the per-record lines are on stderr
        assertThat(again.exit()).as(again.stderr()).isZero();
        JsonNode result = new ObjectMapper().readTree(again.stdout());
        assertThat(again.stdout().lines()).hasSize(1);
        assertThat(result.get("ok").asBoolean()).isTrue();
        assertThat(result.get("dryRun").asBoolean()).isFalse();
        assertThat(result.get("filter").get("subscription").asText()).isEqualTo("x");
        assertThat(result.get("filter").get("event").asText()).isEqualTo("person.*");
        assertThat(result.get("deadLetterTopic").asText()).isEqualTo(dispatcher.deadLetterTopic());
        assertThat(result.get("retryTopic").asText()).isEqualTo(dispatcher.retryTopic() + "-300ms");
        assertThat(List.of(
                        result.get("scanned").asLong(),
                        result.get("matched").asLong(),
                        result.get("republished").asLong(),
                        result.get("notReplayable").asLong()))
                .containsExactly(7L, 2L, 2L, 1L);
        assertThat(again.stderr().lines().filter(l -> l.startsWith("replaying ")))
                .hasSize(2);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> delivered(receiver, "/x").size() == 4);
        assertThat(receiver.received()).hasSize(6 + 4);
    }

    private static List<Received> delivered(WebhookReceiver receiver, String path) {
        return receiver.received(path).stream()
                .filter(r -> r.answeredStatus() == 200)
                .toList();
    }

    /** {@code replay} that must succeed: its stdout and stderr together. */
    private static String replay(Path config, String... options) throws Exception {
        Run run = run(config, options);
        assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
        return run.stdout() + run.stderr();
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run run(Path config, String... options) throws Exception {
        var command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                DispatcherProcess.jar().toString(),
                "replay",
                "--config",
                config.toString()));
        command.addAll(List.of(options));
        Path stderr = Files.createTempFile("replay", ".err");
        try {
            Process p =
                    new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new Run(p.exitValue(), stdout, Files.readString(stderr));
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
