package io.webhookdispatcher.app;

import static io.webhookdispatcher.testkit.DispatcherFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.retry.DeadLetters;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The destination guard against a real broker and real sockets: refused at load for literal addresses, dead-lettered
 * without a connection for a name that resolves to one, delivered once its network is allowed.
 */
@ExtendWith(DispatcherExtension.class)
class DestinationGuardIT {

    @Test
    void shouldDeadLetterANameResolvingToLoopbackWithoutEverConnecting(DispatcherFixture dispatcher) throws Exception {
        try (var listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // given: the guard's defaults (no allowedNetworks), a subscription by name to a listener on loopback
            dispatcher
                    .without("delivery.allowedNetworks")
                    .subscription(Map.of(
                            "id",
                            "internal",
                            "url",
                            "http://localhost:" + listener.getLocalPort() + "/quitquitquit",
                            "secret",
                            "secret-internal-of-24-bytes-or-more",
                            "events",
                            List.of("*")));
            var app = dispatcher.start();

            // when
            dispatcher.send("p1", SampleEvents.event("person.created", "p1"));

            // then: dead-lettered at once, permanent, blocked-destination, no status, no body
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> dispatcher.deadLetters().size() == 1);
            ConsumerRecord<byte[], byte[]> dead = dispatcher.deadLetters().get(0);
            assertThat(header(dead, WebhookHeaders.REASON)).isEqualTo(DeadLetters.PERMANENT_FAILURE);
            assertThat(header(dead, WebhookHeaders.ERROR_CLASS)).isEqualTo("blocked-destination");
            assertThat(header(dead, WebhookHeaders.ERROR_MESSAGE))
                    .startsWith("localhost resolves to 127.0.0.1, loopback (127.0.0.0/8)");
            assertThat(header(dead, WebhookHeaders.ATTEMPTS)).isEqualTo("1");
            assertThat(header(dead, WebhookHeaders.LAST_STATUS)).isEqualTo("0");
            assertThat(header(dead, WebhookHeaders.RESPONSE_BODY)).isNullOrEmpty();
            assertThat(app.registry()
                            .get(DispatcherMetrics.ATTEMPTS)
                            .tag("subscription", "internal")
                            .tag("result", "blocked-destination")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);

            // and the listener never saw a connection: the first it accepts is the one opened now
            try (var sentinel = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                    var first = listener.accept()) {
                assertThat(first.getPort()).isEqualTo(sentinel.getLocalPort());
            }
        }
    }

    @Test
    void shouldDeliverToTheSameNameOnceLoopbackIsAllowed(DispatcherFixture dispatcher) throws Exception {
        // given: the fixture's default allowedNetworks [127.0.0.0/8, ::1/128], the receiver by name
        var receiver = dispatcher.receiver();
        receiver.endpoint("/hook", "secret-local-of-24-bytes-or-more");
        String url = receiver.url("/hook").replace("127.0.0.1", "localhost");
        dispatcher
                .with("delivery.allowedNetworks", "[127.0.0.0/8]")
                .subscription(Map.of(
                        "id",
                        "local",
                        "url",
                        url,
                        "secret",
                        "secret-local-of-24-bytes-or-more",
                        "events",
                        List.of("*")))
                .start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));

        // then: delivered, signed, and with the Host header of the URL although sent to the checked address
        await().atMost(Duration.ofSeconds(30))
                .until(() -> receiver.received("/hook").size() == 1);
        var request = receiver.received("/hook").get(0);
        assertThat(request.signatureValid()).isTrue();
        assertThat(request.host()).isEqualTo(url.replaceFirst("^http://([^/]+)/.*$", "$1"));
        assertThat(dispatcher.deadLetters()).isEmpty();
    }

    @Test
    void shouldRefuseBlockedLiteralsAtLoad(DispatcherFixture dispatcher) throws Exception {
        // given: the defaults, and literal URLs in forms a resolver reads as blocked addresses
        dispatcher.without("delivery.allowedNetworks");
        List<String> urls = List.of(
                dispatcher.receiver().url("/hook"), // http://127.0.0.1:<port>/hook
                "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.1/h",
                "http://[::1]:8080/h",
                "http://0.0.0.0/h",
                "http://2130706433/h",
                "http://[::ffff:169.254.169.254]/h");
        for (int i = 0; i < urls.size(); i++) {
            dispatcher.subscription(Map.of(
                    "id",
                    "s" + i,
                    "url",
                    urls.get(i),
                    "secret",
                    "secret-of-24-bytes-or-more-" + i,
                    "events",
                    List.of("*")));
        }
        var file = dispatcher.writeConfig().toString();

        // when
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = Main.run(
                new String[] {"validate-config", "--config", file},
                name -> null,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        // then: invalid, one error per subscription, naming it and the guard; so start-up refuses it too
        String errors = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).isEqualTo(1);
        for (int i = 0; i < urls.size(); i++) {
            assertThat(errors).contains("subscriptions[s" + i + "].url: ");
        }
        assertThat(errors)
                .contains("127.0.0.1 is a blocked destination: loopback (127.0.0.0/8)")
                .contains("2130706433 (read as 127.0.0.1) is a blocked destination")
                .contains("[::ffff:169.254.169.254] is a blocked destination: link-local (cloud metadata)")
                .contains("add its network to delivery.allowedNetworks to allow it")
                .doesNotContain("meta-data");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(dispatcher::start))
                .hasMessageContaining("127.0.0.1 is a blocked destination");

        // and once the networks are allowed, the same file is valid
        dispatcher.with(
                "delivery.allowedNetworks", "[127.0.0.0/8, \"::1/128\", 169.254.0.0/16, 10.0.0.0/8, 0.0.0.0/8]");
        int allowed = Main.run(
                new String[] {
                    "validate-config", "--config", dispatcher.writeConfig().toString()
                },
                name -> null,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(allowed).isZero();
    }
}
