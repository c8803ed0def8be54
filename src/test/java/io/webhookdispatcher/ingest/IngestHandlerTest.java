package io.webhookdispatcher.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.CrmWebhook;
import io.webhookdispatcher.testkit.LogCapture;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ingest port over real HTTP, with Kafka's MockProducer standing in for the broker so each ack is the test's. */
class IngestHandlerTest {
    private static final String SECRET = "a-crm-secret-of-24-bytes-or-more";
    private static final int MAX_BYTES = 64 * 1024;

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HttpClient client = HttpClient.newHttpClient();
    private io.webhookdispatcher.http.HttpPort server;

    @BeforeEach
    void start() throws Exception {
        var source = new DispatcherConfig.IngestSource(
                "crm", new Signing(Signing.Scheme.TWENTY, List.of(new Secret(SECRET)), Optional.empty()), "/record/id");
        var metrics = new DispatcherMetrics(registry, true, List.of());
        var handler = new IngestHandler(
                List.of(IngestHandler.Source.of(source)),
                producer,
                "crm.events",
                new IngestHandler.Limits(MAX_BYTES, 4L * MAX_BYTES),
                metrics.ingest(List.of("crm"), Outcome.labels()),
                Clock.systemUTC());
        server = new io.webhookdispatcher.http.HttpPort("ingest", "127.0.0.1", 0, handler);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofSeconds(1));
    }

    @Test
    void shouldAnswer200OnlyOnceTheBrokerAcknowledgedTheRawBytes() throws Exception {
        // given
        byte[] body = CrmWebhook.recordEvent("person.updated", "ws-1", "rec-1", 500);

        // when: the CRM posts, and the broker has not answered yet
        CompletableFuture<HttpResponse<String>> response = post("/ingest/crm", SECRET, body);
        await().until(() -> producer.history().size() == 1);

        // then: no answer until the write is acknowledged
        Thread.sleep(100); // nothing to poll for: the absence of an answer
        assertThat(response).isNotDone();
        producer.completeNext();
        assertThat(response.get().statusCode()).isEqualTo(200);
        var record = producer.history().get(0);
        assertThat(record.topic()).isEqualTo("crm.events");
        assertThat(record.value()).isEqualTo(body);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("rec-1");
        assertThat(count("crm", "accepted")).isEqualTo(1);
    }

    @Test
    void shouldAnswer503WhenTheBrokerDoesNotAcknowledge() throws Exception {
        CompletableFuture<HttpResponse<String>> response =
                post("/ingest/crm", SECRET, CrmWebhook.recordEvent("person.created", "ws-1", "rec-1", 300));
        await().until(() -> producer.history().size() == 1);

        producer.errorNext(new TimeoutException("Expiring 1 record(s) after 2500 ms"));

        assertThat(response.get().statusCode()).isEqualTo(503);
        assertThat(response.get().headers().firstValue("Retry-After")).hasValue("5");
        assertThat(count("crm", "unavailable")).isEqualTo(1);
    }

    @Test
    void shouldAnswer413WhenTheTopicRefusesTheRecordAsTooLarge() throws Exception {
        CompletableFuture<HttpResponse<String>> response =
                post("/ingest/crm", SECRET, CrmWebhook.recordEvent("person.created", "ws-1", "rec-1", 300));
        await().until(() -> producer.history().size() == 1);

        producer.errorNext(new RecordTooLargeException("larger than the topic's max.message.bytes"));

        assertThat(response.get().statusCode()).isEqualTo(413);
    }

    @Test
    void shouldAnswer503BusyWhileTheRequestsUnderWayHoldTheirByteBudget() throws Exception {
        // given: four requests of nearly maxBytes each wait for the broker (the budget is 4 x maxBytes)
        var waiting = new java.util.ArrayList<CompletableFuture<HttpResponse<String>>>();
        for (int i = 0; i < 4; i++) {
            waiting.add(post(
                    "/ingest/crm",
                    SECRET,
                    CrmWebhook.recordEvent("person.created", "ws-1", "rec-" + i, MAX_BYTES - 10)));
        }
        await().until(() -> producer.history().size() == 4);

        // when: a fifth comes
        var fifth = post("/ingest/crm", SECRET, CrmWebhook.recordEvent("person.created", "ws-1", "rec-5", 1000));

        // then: it is told to come back, and once the four are answered there is room again
        assertThat(fifth.get().statusCode()).isEqualTo(503);
        assertThat(fifth.get().body()).contains("busy");
        while (producer.completeNext()) {
            // acknowledge all four
        }
        for (var response : waiting) {
            assertThat(response.get().statusCode()).isEqualTo(200);
        }
        var sixth = post("/ingest/crm", SECRET, CrmWebhook.recordEvent("person.created", "ws-1", "rec-6", 1000));
        await().until(() -> producer.history().size() == 5);
        producer.completeNext();
        assertThat(sixth.get().statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer401ToAWrongSecretWithoutLoggingTheBody() throws Exception {
        byte[] body = CrmWebhook.recordEvent("person.created", "ws-1", "secret-looking-record", 300);
        try (var logs = new LogCapture()) {
            var response = post("/ingest/crm", "another-secret-of-24-bytes-or-more", body)
                    .get();

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).doesNotContain("secret-looking-record");
            assertThat(logs.text()).contains("ingest crm: refused").doesNotContain("secret-looking-record");
        }
        assertThat(producer.history()).isEmpty();
        assertThat(count("crm", "bad_signature")).isEqualTo(1);
    }

    @Test
    void shouldAnswer401ToAnAuthenticRequestSignedSixMinutesAgo() throws Exception {
        byte[] body = CrmWebhook.recordEvent("person.created", "ws-1", "rec-1", 300);
        long sixMinutesAgo = System.currentTimeMillis() - Duration.ofMinutes(6).toMillis();

        var response = client.send(
                CrmWebhook.request(url("/ingest/crm"), SECRET, sixMinutesAgo, body),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("stale_timestamp");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldAnswer413FromTheContentLengthAlone() throws Exception {
        byte[] body = CrmWebhook.recordEvent("person.created", "ws-1", "rec-1", MAX_BYTES + 1);

        assertThat(post("/ingest/crm", SECRET, body).get().statusCode()).isEqualTo(413);
        assertThat(producer.history()).isEmpty();
        assertThat(count("crm", "too_large")).isEqualTo(1);
    }

    @Test
    void shouldAnswer413ToAChunkedBodyOnceItPassesTheLimit() throws Exception {
        byte[] body = CrmWebhook.recordEvent("person.created", "ws-1", "rec-1", 4 * MAX_BYTES);
        long now = System.currentTimeMillis();
        var request = HttpRequest.newBuilder(url("/ingest/crm"))
                .header("X-Twenty-Webhook-Timestamp", Long.toString(now))
                .header("X-Twenty-Webhook-Signature", CrmWebhook.signature(SECRET, now, body))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))) // no length
                .build();

        int status;
        try {
            status = client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (java.io.IOException e) { // the server may close before the client has sent it all
            status = 413;
        }

        assertThat(status).isEqualTo(413);
        assertThat(producer.history()).isEmpty();
        await().until(() -> count("crm", "too_large") == 1);
    }

    @Test
    void shouldAnswer404ToAnUnknownSourceAnd405ToAGet() throws Exception {
        byte[] body = CrmWebhook.recordEvent("person.created", "ws-1", "rec-1", 300);

        assertThat(post("/ingest/other", SECRET, body).get().statusCode()).isEqualTo(404);
        assertThat(post("/elsewhere", SECRET, body).get().statusCode()).isEqualTo(404);
        var get = client.send(
                HttpRequest.newBuilder(url("/ingest/crm")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(count("(unknown)", "unknown_source")).isEqualTo(2);
    }

    @Test
    void shouldAnswer400ToASignedBodyThatIsNoJsonObject() throws Exception {
        byte[] body = "[1,2,3]".getBytes(StandardCharsets.UTF_8);

        assertThat(post("/ingest/crm", SECRET, body).get().statusCode()).isEqualTo(400);
        assertThat(producer.history()).isEmpty();
    }

    private CompletableFuture<HttpResponse<String>> post(String path, String secret, byte[] body) {
        return client.sendAsync(
                CrmWebhook.request(url(path), secret, System.currentTimeMillis(), body),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private double count(String source, String outcome) {
        var counter = registry.find(DispatcherMetrics.INGEST_REQUESTS)
                .tags("source", source, "outcome", outcome)
                .counter();
        return counter == null ? -1 : counter.count();
    }
}
