package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.consume.LoopStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The probes over real HTTP: each can fail, and says why. */
class ManagementServerTest {
    private static final Logger log = LoggerFactory.getLogger(ManagementServerTest.class);
    private final LoopStatus events = new LoopStatus("events-consumer");
    private final LoopStatus retries = new LoopStatus("retry-consumer");
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newHttpClient();
    private ManagementServer server;

    private ManagementServer start(Duration livenessTimeout) throws Exception {
        return start(livenessTimeout, ManagementServer.Limits.DEFAULTS);
    }

    private ManagementServer start(Duration livenessTimeout, ManagementServer.Limits limits) throws Exception {
        server = new ManagementServer(
                "127.0.0.1", 0, registry, List.of(events, retries), livenessTimeout, accepting::get, limits);
        return server;
    }

    private final List<Socket> attackers = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : attackers) {
            s.close();
        }
        server.close();
    }

    /** A connection that sends the start of a request head, or nothing at all, and then waits. */
    private Socket stalled(String partialHead) throws IOException {
        var s = new Socket();
        attackers.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 1000);
        s.getOutputStream().write(partialHead.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return s;
    }

    /** One probe over its own raw socket, as the kubelet sends it; the status line's code. */
    private int rawProbe(String path) throws IOException {
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 1000);
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: kube-probe/1.31\r\n"
                                    + "Connection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    /** Blocks until the server closes the connection; true if it did, false if it was still open after 5 s. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // drain whatever it answered
            }
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Test
    void shouldAnswerProbesWhileManyClientsHoldHalfSentRequestsAndIdleConnections() throws Exception {
        // given: the default limits (16 connections); more half-sent requests and idle connections than that
        start(Duration.ofSeconds(60));
        for (int i = 0; i < 24; i++) {
            stalled("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            stalled("");
        }

        // when: probes arrive, over the JDK client and over raw sockets
        long worstNanos = 0;
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            int status = i % 2 == 0 ? get("/health/live").statusCode() : rawProbe("/health/live");
            worstNanos = Math.max(worstNanos, System.nanoTime() - start);
            assertThat(status).isEqualTo(200);
        }

        // then: each was answered well within a second
        log.info("worst /health/live latency with 48 stalled connections: {} ms", worstNanos / 1_000_000.0);
        assertThat(Duration.ofNanos(worstNanos)).isLessThan(Duration.ofSeconds(1));
        assertThat(get("/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldEvictOnlyConnectionsStillSendingTheirHeadAndBoundConcurrentScrapes() throws Exception {
        // given: one scrape thread (and two waiting), four connections that may still be sending their head, and a
        // scrape held up
        var release = new CountDownLatch(1);
        var scraping = new CountDownLatch(1);
        registry.gauge("webhook.test.slow", release, latch -> {
            scraping.countDown();
            awaitQuietly(latch);
            return 1;
        });
        start(Duration.ofSeconds(60), new ManagementServer.Limits(4, Duration.ofSeconds(10), 1));
        var held = new java.util.concurrent.CompletableFuture<Integer>();
        new Thread(() -> {
                    try {
                        held.complete(rawProbe("/metrics"));
                    } catch (IOException e) {
                        held.completeExceptionally(e);
                    }
                })
                .start();
        assertThat(scraping.await(5, TimeUnit.SECONDS)).isTrue();

        // when: more half-sent heads than the cap, two scrapes that wait for the thread, one more, and a probe
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            stalled.add(stalled("GET /health/live HTTP/1.1\r\nX-Slow: "));
        }
        Socket waiting = stalled("GET /metrics HTTP/1.1\r\n\r\n");
        stalled("GET /metrics HTTP/1.1\r\n\r\n");
        int secondScrape = rawProbe("/metrics");
        int probe = rawProbe("/health/live");
        release.countDown();

        // then: the oldest half-sent heads were closed, the scrapes were not; the one too many was told 503
        assertThat(closedByServer(stalled.get(0))).isTrue();
        assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(secondScrape).isEqualTo(503);
        assertThat(new String(waiting.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                .startsWith("HTTP/1.1 200 OK");
        assertThat(probe).isEqualTo(200);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldCloseAConnectionThatDoesNotFinishItsRequestWithinTheTimeout() throws Exception {
        // given: a short exchange deadline
        start(Duration.ofSeconds(60), new ManagementServer.Limits(16, Duration.ofMillis(300)));

        // when: one client sends half a head, another nothing
        Socket halfSent = stalled("GET /metrics HTTP/1.1\r\n");
        Socket idle = stalled("");

        // then: the server hangs up on both
        assertThat(closedByServer(halfSent)).isTrue();
        assertThat(closedByServer(idle)).isTrue();
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseWhatIsNotAProbeOrAScrape() throws Exception {
        start(Duration.ofSeconds(60));

        assertThat(get("/nope").statusCode()).isEqualTo(404);
        assertThat(http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(405);
        assertThat(rawProbe("/health/ready?verbose")).isEqualTo(503);
        assertThat(server.address()).isEqualTo("127.0.0.1");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(Duration.ofSeconds(5)) // a blocked port fails the test instead of hanging it
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
