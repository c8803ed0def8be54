package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Network;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.WebhookSender.Endpoint;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sender against real receivers on port 0. */
class JdkWebhookSenderTest {
    private static final Instant NOW = Instant.parse("2024-12-24T18:57:19.761Z");
    private static final byte[] JSON = "{}".getBytes(StandardCharsets.UTF_8);
    private static final long HUGE_BODY = 200L * 1024 * 1024;
    /** The socket buffers in between hold a few MiB at most; an unbounded read takes all 200 MiB. */
    private static final long MAX_WRITTEN_BEFORE_CLOSE = 4L * 1024 * 1024;
    /** The receivers of these tests are on loopback, which the guard blocks by default. */
    static final DestinationGuard LOOPBACK_ALLOWED =
            new DestinationGuard(List.of(Network.parse("127.0.0.0/8"), Network.parse("::1/128")), false);

    private HttpServer server;
    private JdkWebhookSender sender;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final AtomicReference<byte[]> receivedBody = new AtomicReference<>();
    private final AtomicReference<Headers> receivedHeaders = new AtomicReference<>();
    private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/ok", ex -> {
            receivedBody.set(ex.getRequestBody().readAllBytes());
            receivedHeaders.set(ex.getRequestHeaders());
            clientPorts.add(ex.getRemoteAddress().getPort());
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/small", ex -> {
            ex.getRequestBody().readAllBytes();
            clientPorts.add(ex.getRemoteAddress().getPort());
            byte[] body = "s".repeat(10_000).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/moved", ex -> {
            byte[] body = "<html>the page at the new place</html>".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Location", "/ok");
            ex.sendResponseHeaders(302, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/big-error", ex -> {
            byte[] body = "e".repeat(5000).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(500, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        sender = sender(Duration.ofSeconds(2));
    }

    @AfterEach
    void stopServer() throws Exception {
        sender.close();
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    private static JdkWebhookSender sender(Duration requestTimeout) {
        return new JdkWebhookSender(
                Duration.ofSeconds(1),
                requestTimeout,
                Clock.fixed(NOW, ZoneOffset.UTC),
                "webhook-dispatcher/test",
                new ResponseClassifier(Set.of(400)),
                LOOPBACK_ALLOWED);
    }

    private static JdkWebhookSender sender(Function<String, ExecutorService> executorForHost, Duration requestTimeout) {
        return new JdkWebhookSender(
                executorForHost,
                Duration.ofSeconds(1),
                requestTimeout,
                Clock.fixed(NOW, ZoneOffset.UTC),
                "webhook-dispatcher/test",
                new ResponseClassifier(Set.of(400)),
                LOOPBACK_ALLOWED);
    }

    private URI url(String host, String path) {
        return URI.create("http://" + host + ":" + server.getAddress().getPort() + path);
    }

    private URI url(String path) {
        return url("127.0.0.1", path);
    }

    private static final String NEW_SECRET =
            "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]);
    private static final String OLD_SECRET = "the-old-secret-of-24-bytes-or-more";

    private static Subscription subscription(URI url, Signing signing) {
        return new Subscription(
                "sub", url, signing, List.of(), true, 64, Optional.empty(), CircuitBreaker.Settings.DEFAULTS);
    }

    private static Subscription subscription(URI url, String secret) {
        return new Subscription("sub-" + secret, url, new Secret(secret), List.of(), true);
    }

    private Endpoint endpoint(URI url) {
        return sender.endpoint(subscription(url, "s"));
    }

    @Test
    void shouldIgnoreTheJvmsProxySettingsSoTheCheckedAddressIsTheOneConnectedTo() throws Exception {
        // given: the JVM told to use an HTTP proxy (as JAVA_TOOL_OPTIONS could), which would resolve on its own
        try (var proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String before = System.getProperty("http.proxyHost");
            System.setProperty("http.proxyHost", "127.0.0.1");
            System.setProperty("http.proxyPort", Integer.toString(proxy.getLocalPort()));
            try (var proxied = sender(Duration.ofSeconds(2))) {
                // when
                DeliveryOutcome outcome = proxied.endpoint(subscription(url("/ok"), "s"))
                        .send("d", JSON)
                        .get(5, TimeUnit.SECONDS);

                // then: delivered straight to the receiver; the proxy's first connection is the sentinel's
                assertThat(outcome).isInstanceOf(DeliveryOutcome.Delivered.class);
                try (var sentinel = new Socket(InetAddress.getLoopbackAddress(), proxy.getLocalPort());
                        var first = proxy.accept()) {
                    assertThat(first.getPort()).isEqualTo(sentinel.getLocalPort());
                }
            } finally {
                System.clearProperty("http.proxyPort");
                if (before == null) {
                    System.clearProperty("http.proxyHost");
                } else {
                    System.setProperty("http.proxyHost", before);
                }
            }
        }
    }

    @Test
    void shouldPostTheBodyVerbatimWithSignedHeaders() throws Exception {
        // given: odd but valid JSON bytes, which re-serialisation would change
        byte[] body = "{ \"event\" : \"person.created\",\n \"data\": {\"name\": \"Nguyễn\", \"n\": 1.0e2} }"
                .getBytes(StandardCharsets.UTF_8);
        Endpoint endpoint = sender.endpoint(subscription(url("/ok"), "your-secret"));

        // when
        DeliveryOutcome outcome = endpoint.send("delivery-1", body).get();

        // then
        assertThat(outcome).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(receivedBody.get()).isEqualTo(body);
        Headers h = receivedHeaders.get();
        assertThat(h.getFirst("Content-Type")).isEqualTo("application/json");
        assertThat(h.getFirst("User-Agent")).isEqualTo("webhook-dispatcher/test");
        assertThat(h.getFirst(JdkWebhookSender.TIMESTAMP_HEADER)).isEqualTo("1735066639761");
        assertThat(h.getFirst(JdkWebhookSender.SIGNATURE_HEADER))
                .isEqualTo(new WebhookSigner(new Secret("your-secret")).sign(1735066639761L, body));
        assertThat(h.getFirst(JdkWebhookSender.NONCE_HEADER)).matches("[0-9a-f]{32}");
        assertThat(h.getFirst(JdkWebhookSender.DELIVERY_ID_HEADER)).isEqualTo("delivery-1");
    }

    @Test
    void shouldSendOnlyTheStandardWebhooksHeadersWithThatScheme() throws Exception {
        // given: a rotation under way, new secret first
        var secrets = List.of(new Secret(NEW_SECRET), new Secret(OLD_SECRET));
        Endpoint endpoint = sender.endpoint(
                subscription(url("/ok"), new Signing(Signing.Scheme.STANDARD_WEBHOOKS, secrets, Optional.empty())));

        // when
        assertThat(endpoint.send("delivery-1", JSON).get()).isInstanceOf(DeliveryOutcome.Delivered.class);

        // then: seconds, one v1 entry per secret, and none of the Twenty headers
        Headers h = receivedHeaders.get();
        assertThat(h.getFirst(JdkWebhookSender.DELIVERY_ID_HEADER)).isEqualTo("delivery-1");
        assertThat(h.getFirst(JdkWebhookSender.STANDARD_TIMESTAMP_HEADER)).isEqualTo("1735066639");
        assertThat(h.getFirst(JdkWebhookSender.STANDARD_SIGNATURE_HEADER))
                .isEqualTo(new StandardWebhooksSigner(secrets).sign("delivery-1", 1735066639L, JSON))
                .matches("v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=");
        assertThat(h.containsKey(JdkWebhookSender.TIMESTAMP_HEADER)).isFalse();
        assertThat(h.containsKey(JdkWebhookSender.SIGNATURE_HEADER)).isFalse();
        assertThat(h.containsKey(JdkWebhookSender.NONCE_HEADER)).isFalse();
    }

    @Test
    void shouldSendBothSchemesHeadersTheTwentyOneSignedByTheCurrentSecretOnly() throws Exception {
        var secrets = List.of(new Secret(NEW_SECRET), new Secret(OLD_SECRET));
        Endpoint endpoint =
                sender.endpoint(subscription(url("/ok"), new Signing(Signing.Scheme.BOTH, secrets, Optional.empty())));

        endpoint.send("delivery-1", JSON).get();

        Headers h = receivedHeaders.get();
        assertThat(h.getFirst(JdkWebhookSender.TIMESTAMP_HEADER)).isEqualTo("1735066639761");
        assertThat(h.getFirst(JdkWebhookSender.SIGNATURE_HEADER))
                .isEqualTo(new WebhookSigner(new Secret(NEW_SECRET)).sign(1735066639761L, JSON));
        assertThat(h.getFirst(JdkWebhookSender.NONCE_HEADER)).matches("[0-9a-f]{32}");
        assertThat(h.getFirst(JdkWebhookSender.STANDARD_TIMESTAMP_HEADER)).isEqualTo("1735066639");
        assertThat(h.getFirst(JdkWebhookSender.STANDARD_SIGNATURE_HEADER).split(" "))
                .hasSize(2);
    }

    @Test
    void shouldNotFollowRedirectsNorKeepTheirBody() throws Exception {
        DeliveryOutcome outcome = endpoint(url("/moved")).send("d", JSON).get();

        assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.failure().status()).isEqualTo(302);
            assertThat(r.failure().responseBody()).isEmpty();
        });
        assertThat(receivedBody.get()).isNull();
    }

    @Test
    void shouldRefuseANameOrLiteralOfABlockedAddressWithoutConnecting() throws Exception {
        // a literal is checked once, when the endpoint is made (no DNS), a name on every attempt
        for (String host : List.of("localhost", "127.0.0.1"))
            for (String scheme : List.of("http", "https")) {
                // given: a listener on loopback, and a sender whose guard has the defaults (loopback blocked)
                var guarded = new JdkWebhookSender(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Clock.fixed(NOW, ZoneOffset.UTC),
                        "webhook-dispatcher/test",
                        new ResponseClassifier(Set.of(400)),
                        DestinationGuard.DEFAULTS);
                closeAfter.add(guarded);
                try (var listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                    URI url = URI.create(scheme + "://" + host + ":" + listener.getLocalPort() + "/hook?token=t");

                    // when
                    DeliveryOutcome outcome = guarded.endpoint(subscription(url, "s"))
                            .send("d", JSON)
                            .get(5, TimeUnit.SECONDS);

                    // then: permanent, with its own error class and no body
                    assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Permanent.class, p -> {
                        assertThat(p.failure().result()).isEqualTo(DeliveryOutcome.AttemptResult.BLOCKED_DESTINATION);
                        assertThat(p.failure().errorClass()).isEqualTo("blocked-destination");
                        assertThat(p.failure().errorMessage())
                                .startsWith(host + " resolves to 127.0.0.1, loopback (127.0.0.0/8)")
                                .doesNotContain("token");
                        assertThat(p.failure().status()).isZero();
                        assertThat(p.failure().responseBody()).isEmpty();
                    });
                    // and no connection was made: the first one the listener accepts is the one opened now
                    try (var sentinel = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                            var first = listener.accept()) {
                        assertThat(first.getPort()).as(scheme + "://" + host).isEqualTo(sentinel.getLocalPort());
                    }
                }
            }
    }

    @Test
    void shouldSendTheUrlsHostHeaderWhilePinnedToTheCheckedAddress() throws Exception {
        // given: a URL by name; the plain-http request goes to the checked address literal
        Endpoint endpoint = endpoint(url("localhost", "/ok"));

        // when
        DeliveryOutcome outcome = endpoint.send("d", JSON).get();

        // then: the receiver sees the name it was addressed by, as if the client had connected by name
        assertThat(outcome).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(receivedHeaders.get().getFirst("Host"))
                .isEqualTo("localhost:" + server.getAddress().getPort());
        assertThat(receivedHeaders.get().get("Host")).hasSize(1);
    }

    @Test
    void shouldNotTakeAUrlWithoutAHostForLoopback() throws Exception {
        // InetAddress.getAllByName(null) answers the loopback address, which this sender's guard allows
        DeliveryOutcome outcome =
                endpoint(URI.create("http:/ok")).send("d", JSON).get(5, TimeUnit.SECONDS);

        assertThat(outcome.result()).isEqualTo(DeliveryOutcome.AttemptResult.OTHER_ERROR);
        assertThat(receivedBody.get()).isNull();
    }

    @Test
    void shouldReportAnUnknownHostAsAConnectionError() throws Exception {
        // .invalid never resolves (RFC 6761)
        DeliveryOutcome outcome = endpoint(URI.create("http://no-such-host.invalid/hook"))
                .send("d", JSON)
                .get(5, TimeUnit.SECONDS);

        assertThat(outcome.result()).isEqualTo(DeliveryOutcome.AttemptResult.CONNECT_ERROR);
        assertThat(outcome).isInstanceOf(DeliveryOutcome.Retryable.class);
    }

    /**
     * Not a timed assertion: a measurement for the log of what resolving and checking every attempt costs (the JVM
     * caches the positive lookup for 30 s), beside the attempt it precedes.
     */
    @Test
    void shouldMeasureTheResolveAndCheckOfEveryAttempt() throws Exception {
        // given
        var guard = LOOPBACK_ALLOWED;
        int lookups = 20_000;
        int requests = 2_000;
        Endpoint endpoint = endpoint(url("localhost", "/ok"));
        for (int i = 0; i < 200; i++) { // warm-up
            InetAddress.getAllByName("localhost");
            endpoint.send("w" + i, JSON).get();
        }

        // when
        long t0 = System.nanoTime();
        for (int i = 0; i < lookups; i++) {
            for (InetAddress a : InetAddress.getAllByName("localhost")) {
                assertThat(guard.refusal(a)).isEmpty();
            }
        }
        long resolveNanos = (System.nanoTime() - t0) / lookups;
        long t1 = System.nanoTime();
        var inFlight = new ArrayList<CompletableFuture<DeliveryOutcome>>();
        for (int i = 0; i < requests; i++) {
            inFlight.add(endpoint.send("d" + i, JSON));
            if (inFlight.size() == 8) {
                inFlight.remove(0).get();
            }
        }
        for (var f : inFlight) {
            f.get();
        }
        long requestNanos = (System.nanoTime() - t1) / requests;

        // then
        System.out.printf(
                Locale.ROOT,
                "resolve+check of a cached name: %.1f µs; one attempt by name to loopback (8 in flight): %.1f µs"
                        + " (%.2f%% of it)%n",
                resolveNanos / 1e3,
                requestNanos / 1e3,
                100.0 * resolveNanos / requestNanos);
        assertThat(clientPorts.size()).isGreaterThanOrEqualTo(requests);
    }

    @Test
    void shouldKeepOnlyTheFirstKibOfAnErrorBody() throws Exception {
        DeliveryOutcome outcome = endpoint(url("/big-error")).send("d", JSON).get();

        assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.failure().status()).isEqualTo(500);
            assertThat(r.failure().responseBody()).hasSize(JdkWebhookSender.BODY_PREFIX_BYTES);
        });
    }

    @Test
    void shouldReportAConnectionErrorAsAnOutcomeNotAnException() throws Exception {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        DeliveryOutcome outcome = endpoint(URI.create("http://127.0.0.1:" + closedPort + "/"))
                .send("d", JSON)
                .get();

        assertThat(outcome.result()).isEqualTo(DeliveryOutcome.AttemptResult.CONNECT_ERROR);
    }

    @Test
    void shouldReadASmallBodyToItsEndAndReuseTheConnection() throws Exception {
        // given: a 10 KB body, under the read cap
        Endpoint endpoint = endpoint(url("/small"));

        // when
        DeliveryOutcome first = endpoint.send("d1", JSON).get();
        DeliveryOutcome second = endpoint.send("d2", JSON).get();

        // then
        assertThat(first).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(second).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(clientPorts).hasSize(2).containsOnly(clientPorts.get(0));
    }

    @Test
    void shouldDeliverAtOnceAndStopReadingWhenA2xxBodyIsHuge() throws Exception {
        // given: a receiver that acknowledges with a 200 MiB body, and a generous request timeout
        var receiver = new HugeBodyReceiver("200 OK");
        closeAfter.add(receiver);
        var patient = sender(Duration.ofSeconds(30));
        closeAfter.add(patient);

        // when
        DeliveryOutcome outcome = patient.endpoint(subscription(receiver.url(), "s"))
                .send("d", JSON)
                .get(10, TimeUnit.SECONDS);

        // then: delivered well before the timeout, and the connection closed after a bounded read
        assertThat(outcome)
                .isInstanceOfSatisfying(
                        DeliveryOutcome.Delivered.class,
                        d -> assertThat(d.status()).isEqualTo(200));
        assertThat(outcome.elapsed()).isLessThan(Duration.ofSeconds(5));
        assertThat(receiver.bytesWrittenUntilClosed().get(10, TimeUnit.SECONDS))
                .isBetween((long) JdkWebhookSender.MAX_BODY_BYTES, MAX_WRITTEN_BEFORE_CLOSE);
    }

    @Test
    void shouldRetryAtOnceAndKeepThePrefixWhenA5xxBodyIsHuge() throws Exception {
        // given
        var receiver = new HugeBodyReceiver("500 Internal Server Error");
        closeAfter.add(receiver);
        var patient = sender(Duration.ofSeconds(30));
        closeAfter.add(patient);

        // when
        DeliveryOutcome outcome = patient.endpoint(subscription(receiver.url(), "s"))
                .send("d", JSON)
                .get(10, TimeUnit.SECONDS);

        // then
        assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.failure().status()).isEqualTo(500);
            assertThat(r.failure().responseBody()).isEqualTo("x".repeat(JdkWebhookSender.BODY_PREFIX_BYTES));
        });
        assertThat(outcome.elapsed()).isLessThan(Duration.ofSeconds(5));
        assertThat(receiver.bytesWrittenUntilClosed().get(10, TimeUnit.SECONDS))
                .isLessThanOrEqualTo(MAX_WRITTEN_BEFORE_CLOSE);
    }

    @Test
    void shouldNotLetOneHostsBlockedExecutorDelayAnotherHost() throws Exception {
        // given: host A's executor is stuck, as when its DNS lookups hang; host B is the same receiver by another name
        var release = new CountDownLatch(1);
        var hosts = new CopyOnWriteArrayList<String>();
        var perHost = sender(
                host -> {
                    hosts.add(host);
                    ExecutorService executor = Executors.newFixedThreadPool(2);
                    if (host.equals("127.0.0.1")) {
                        for (int i = 0; i < 2; i++) {
                            executor.execute(() -> awaitQuietly(release));
                        }
                    }
                    closeAfter.add(executor::shutdownNow);
                    return executor;
                },
                Duration.ofSeconds(30));
        closeAfter.add(perHost);
        Endpoint a = perHost.endpoint(subscription(url("127.0.0.1", "/ok"), "a"));
        Endpoint b = perHost.endpoint(subscription(url("localhost", "/ok"), "b"));

        // when
        List<CompletableFuture<DeliveryOutcome>> toA = sendMany(a, 5);
        List<CompletableFuture<DeliveryOutcome>> toB = sendMany(b, 20);

        // then: B is delivered while every request to A waits
        await().atMost(Duration.ofSeconds(10)).until(() -> toB.stream().allMatch(CompletableFuture::isDone));
        assertThat(toB).allSatisfy(f -> assertThat(f.join()).isInstanceOf(DeliveryOutcome.Delivered.class));
        assertThat(toA).noneMatch(CompletableFuture::isDone);
        assertThat(hosts).containsExactlyInAnyOrder("127.0.0.1", "localhost");

        // and when A's executor is free again, its requests go through
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> toA.stream().allMatch(CompletableFuture::isDone));
        assertThat(toA).allSatisfy(f -> assertThat(f.join()).isInstanceOf(DeliveryOutcome.Delivered.class));
    }

    @Test
    void shouldShareOneClientAndItsConnectionsAmongSubscriptionsOnTheSameHost() throws Exception {
        // given: two subscriptions on one host, spelled differently
        var hosts = new CopyOnWriteArrayList<String>();
        var perHost = sender(
                host -> {
                    hosts.add(host);
                    ExecutorService executor = Executors.newFixedThreadPool(2);
                    closeAfter.add(executor::shutdownNow);
                    return executor;
                },
                Duration.ofSeconds(5));
        closeAfter.add(perHost);
        Endpoint first = perHost.endpoint(subscription(url("localhost", "/ok"), "first"));
        Endpoint second = perHost.endpoint(subscription(url("LocalHost", "/ok"), "second"));

        // when
        assertThat(first.send("d1", JSON).get()).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(second.send("d2", JSON).get()).isInstanceOf(DeliveryOutcome.Delivered.class);

        // then: one client, and the second request came over the first one's connection
        assertThat(hosts).containsExactly("localhost");
        assertThat(clientPorts).hasSize(2).containsOnly(clientPorts.get(0));
    }

    @Test
    void shouldShutDownEveryHostsExecutorOnClose() {
        // given
        var executors = new CopyOnWriteArrayList<ExecutorService>();
        var perHost = sender(
                host -> {
                    ExecutorService executor = Executors.newFixedThreadPool(2);
                    executors.add(executor);
                    return executor;
                },
                Duration.ofSeconds(5));
        perHost.endpoint(subscription(url("127.0.0.1", "/ok"), "a"));
        perHost.endpoint(subscription(url("localhost", "/ok"), "b"));

        // when
        perHost.close();

        // then
        assertThat(executors).hasSize(2).allMatch(ExecutorService::isShutdown);
    }

    @Test
    void shouldGiveEachHostAtMostTwoDaemonThreadsThatTimeOutWhenIdle() throws Exception {
        // given
        var executor = (ThreadPoolExecutor) HostClients.hostExecutor("example.com");
        try {
            // when
            Thread thread = CompletableFuture.supplyAsync(Thread::currentThread, executor)
                    .get();

            // then
            assertThat(executor.getMaximumPoolSize()).isEqualTo(2);
            assertThat(executor.allowsCoreThreadTimeOut()).isTrue();
            assertThat(thread.isDaemon()).isTrue();
            assertThat(thread.getName()).isEqualTo("webhook-http-example.com-1");
        } finally {
            executor.shutdownNow();
        }
    }

    private static List<CompletableFuture<DeliveryOutcome>> sendMany(Endpoint endpoint, int n) {
        var futures = new ArrayList<CompletableFuture<DeliveryOutcome>>();
        for (int i = 0; i < n; i++) {
            futures.add(endpoint.send("d" + i, JSON));
        }
        return futures;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A raw HTTP/1.1 receiver for one request: answers with {@code Content-Length: 200 MiB} and then writes as
     * fast as it can, counting the bytes it got out until the client closed the connection.
     */
    private static final class HugeBodyReceiver implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final CompletableFuture<Long> written = new CompletableFuture<>();
        private final Thread thread;

        HugeBodyReceiver(String status) throws IOException {
            thread = new Thread(() -> serve(status), "huge-body-receiver");
            thread.setDaemon(true);
            thread.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/huge");
        }

        CompletableFuture<Long> bytesWrittenUntilClosed() {
            return written;
        }

        private void serve(String status) {
            long total = 0;
            try (Socket s = socket.accept()) {
                s.setSendBufferSize(64 * 1024); // no auto-tuning: what is counted is what the client took
                InputStream in = new BufferedInputStream(s.getInputStream());
                readRequest(in);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + HUGE_BODY
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'x');
                while (total < HUGE_BODY) {
                    out.write(chunk);
                    total += chunk.length;
                }
            } catch (IOException closedByClient) {
                // expected: the client closed the connection
            }
            written.complete(total);
        }

        /** Reads the request head and its Content-Length body, so the client sees a complete exchange. */
        private void readRequest(InputStream in) throws IOException {
            var head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("request ended early");
                }
                head.append((char) c);
            }
            long length = head.toString()
                    .lines()
                    .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                    .mapToLong(
                            l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim()))
                    .findFirst()
                    .orElse(0);
            in.readNBytes((int) length);
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
    }
}
