package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.http.JdkWebhookSender.WebhookRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sender against a real HTTP server on port 0. */
class JdkWebhookSenderTest {
    private static final Instant NOW = Instant.parse("2024-12-24T18:57:19.761Z");

    private HttpServer server;
    private JdkWebhookSender sender;
    private final AtomicReference<byte[]> receivedBody = new AtomicReference<>();
    private final AtomicReference<Headers> receivedHeaders = new AtomicReference<>();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok", ex -> {
            receivedBody.set(ex.getRequestBody().readAllBytes());
            receivedHeaders.set(ex.getRequestHeaders());
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().set("Location", "/ok");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/big-error", ex -> {
            byte[] body = "e".repeat(5000).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(500, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        sender = new JdkWebhookSender(Executors.newFixedThreadPool(2), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Clock.fixed(NOW, ZoneOffset.UTC), "webhook-dispatcher/test", new ResponseClassifier(Set.of(400)));
    }

    @AfterEach
    void stopServer() {
        sender.close();
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void shouldPostTheBodyVerbatimWithSignedHeaders() throws Exception {
        // given: odd but valid JSON bytes, which re-serialisation would change
        byte[] body = "{ \"event\" : \"person.created\",\n \"data\": {\"name\": \"Nguyễn\", \"n\": 1.0e2} }"
                .getBytes(StandardCharsets.UTF_8);
        var signer = new WebhookSigner(new Secret("your-secret"));

        // when
        DeliveryOutcome outcome = sender.send(new WebhookRequest(url("/ok"), signer, "delivery-1", body)).get();

        // then
        assertThat(outcome).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(receivedBody.get()).isEqualTo(body);
        Headers h = receivedHeaders.get();
        assertThat(h.getFirst("Content-Type")).isEqualTo("application/json");
        assertThat(h.getFirst("User-Agent")).isEqualTo("webhook-dispatcher/test");
        assertThat(h.getFirst("X-Twenty-Webhook-Timestamp")).isEqualTo("1735066639761");
        assertThat(h.getFirst("X-Twenty-Webhook-Signature")).isEqualTo(signer.sign(1735066639761L, body));
        assertThat(h.getFirst("X-Twenty-Webhook-Nonce")).matches("[0-9a-f]{32}");
        assertThat(h.getFirst("webhook-id")).isEqualTo("delivery-1");
    }

    @Test
    void shouldNotFollowRedirects() throws Exception {
        DeliveryOutcome outcome = sender.send(new WebhookRequest(url("/moved"),
                new WebhookSigner(new Secret("s")), "d", "{}".getBytes(StandardCharsets.UTF_8))).get();

        assertThat(outcome).isInstanceOf(DeliveryOutcome.Retryable.class);
        assertThat(receivedBody.get()).isNull();
    }

    @Test
    void shouldKeepOnlyTheFirstKibOfAnErrorBody() throws Exception {
        DeliveryOutcome outcome = sender.send(new WebhookRequest(url("/big-error"),
                new WebhookSigner(new Secret("s")), "d", "{}".getBytes(StandardCharsets.UTF_8))).get();

        assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.failure().status()).isEqualTo(500);
            assertThat(r.failure().responseBody()).hasSize(1024);
        });
    }

    @Test
    void shouldReportAConnectionErrorAsAnOutcomeNotAnException() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        DeliveryOutcome outcome = sender.send(new WebhookRequest(URI.create("http://127.0.0.1:" + closedPort + "/"),
                new WebhookSigner(new Secret("s")), "d", "{}".getBytes(StandardCharsets.UTF_8))).get();

        assertThat(outcome.result()).isEqualTo(DeliveryOutcome.AttemptResult.CONNECT_ERROR);
    }
}
