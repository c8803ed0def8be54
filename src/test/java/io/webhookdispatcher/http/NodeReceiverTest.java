package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.testkit.WebhookReceiver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real request, verified by the Node.js receiver code of docs/delivery-contract.md, run by a real node. */
class NodeReceiverTest {

    @Test
    void shouldBeVerifiedByTheDocumentedNodeCode(@TempDir Path dir) throws Exception {
        assumeTrue(nodeAvailable(), "node is not installed");
        byte[] body =
                "{\"event\":\"person.created\",\"data\":{\"id\":\"abc12345\",\"name\":\"Nguyễn\"},\"timestamp\":\"2025-02-10T15:30:50Z\"}"
                        .getBytes(StandardCharsets.UTF_8);
        try (var receiver = new WebhookReceiver().endpoint("/h", "your-secret");
                var sender = new JdkWebhookSender(
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        Clock.systemUTC(),
                        "test",
                        new ResponseClassifier(Set.of()),
                        JdkWebhookSenderTest.LOOPBACK_ALLOWED)) {
            sender.endpoint(new Subscription(
                            "s", URI.create(receiver.url("/h")), new Secret("your-secret"), java.util.List.of(), true))
                    .send("d1", body)
                    .get();
            var request = receiver.received("/h").get(0);
            Path bodyFile = Files.write(dir.resolve("body.json"), request.body());

            assertThat(node("your-secret", request.timestamp(), request.signature(), bodyFile))
                    .isZero();
            assertThat(node("wrong-secret", request.timestamp(), request.signature(), bodyFile))
                    .isEqualTo(1);
            Path tampered = Files.write(
                    dir.resolve("tampered.json"), (request.bodyText() + " ").getBytes(StandardCharsets.UTF_8));
            assertThat(node("your-secret", request.timestamp(), request.signature(), tampered))
                    .isEqualTo(1);
        }
    }

    @Test
    void shouldBeRejectedByTheDocumentedNodeCodeMoreThanFiveMinutesLate(@TempDir Path dir) throws Exception {
        assumeTrue(nodeAvailable(), "node is not installed");
        // given: a request correctly signed six minutes ago (a replay of a captured request, say)
        Clock sixMinutesAgo = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-6));
        try (var receiver = new WebhookReceiver().endpoint("/h", "your-secret");
                var sender = new JdkWebhookSender(
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        sixMinutesAgo,
                        "test",
                        new ResponseClassifier(Set.of()),
                        JdkWebhookSenderTest.LOOPBACK_ALLOWED)) {
            sender.endpoint(new Subscription(
                            "s", URI.create(receiver.url("/h")), new Secret("your-secret"), java.util.List.of(), true))
                    .send("d1", "{}".getBytes(StandardCharsets.UTF_8))
                    .get();
            var request = receiver.received("/h").get(0);
            Path bodyFile = Files.write(dir.resolve("body.json"), request.body());

            // then: the signature is right, the timestamp is outside the tolerance
            assertThat(request.signatureValid()).isTrue();
            assertThat(node("your-secret", request.timestamp(), request.signature(), bodyFile))
                    .isEqualTo(1);
        }
    }

    private static int node(String... args) throws Exception {
        var command = new java.util.ArrayList<>(java.util.List.of(
                "node", Path.of("src/test/resources/verify-signature.js").toString()));
        for (Object a : args) {
            command.add(a.toString());
        }
        // Not inheritIO(): the fork's stdin/stdout carry surefire's protocol, so the child's output goes through
        // System.out instead.
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        System.out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private static int node(String secret, String timestamp, String signature, Path body) throws Exception {
        return node(new String[] {secret, timestamp, signature, body.toString()});
    }

    private static boolean nodeAvailable() {
        try {
            return new ProcessBuilder("node", "--version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }
}
