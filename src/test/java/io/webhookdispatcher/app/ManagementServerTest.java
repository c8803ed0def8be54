package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.consume.LoopStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The probes over real HTTP: each can fail, and says why. */
class ManagementServerTest {
    private final LoopStatus events = new LoopStatus("events-consumer");
    private final LoopStatus retries = new LoopStatus("retry-consumer");
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newHttpClient();
    private ManagementServer server;

    private ManagementServer start(Duration livenessTimeout) throws Exception {
        server = new ManagementServer(0, registry, List.of(events, retries), livenessTimeout, accepting::get);
        return server;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldNotBeReadyUntilEveryLoopHasJoinedItsGroup() throws Exception {
        start(Duration.ofSeconds(60));
        events.joined();

        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health/ready").body()).contains("retry-consumer has not joined");

        retries.joined();
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldNotBeReadyOnceShutdownBegins() throws Exception {
        start(Duration.ofSeconds(60));
        events.joined();
        retries.joined();

        accepting.set(false);

        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldFailLivenessWhenALoopStoppedOnAnError() throws Exception {
        start(Duration.ofSeconds(60));

        events.failed(new IllegalStateException("boom"));

        assertThat(get("/health/live").statusCode()).isEqualTo(503);
        assertThat(get("/health/live").body()).contains("events-consumer stopped");
    }

    @Test
    void shouldFailLivenessWhenALoopHasNotPolledWithinTheTimeout() throws Exception {
        start(Duration.ofMillis(200));
        events.polled();
        retries.polled();
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        Thread.sleep(300); // a stuck loop: nobody polls

        assertThat(get("/health/live").statusCode()).isEqualTo(503);
        assertThat(get("/health/live").body()).contains("has not polled");
    }

    @Test
    void shouldServePrometheusText() throws Exception {
        start(Duration.ofSeconds(60));
        registry.counter("webhook.events.unmatched").increment();

        HttpResponse<String> metrics = get("/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("webhook_events_unmatched_total 1.0");
    }
}
