package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.dispatch.WebhookSender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Signs and POSTs webhooks with the JDK's {@link HttpClient}: HTTP/1.1, redirects never followed, one deadline
 * per attempt that covers the response body too. Never throws: every attempt completes with a classified
 * {@link DeliveryOutcome}.
 *
 * <p><b>One client per destination host name</b> (case-insensitive) <b>and TLS settings</b>, each with its own
 * small executor. The JDK client resolves host names on its executor threads, so with one shared client a single
 * host whose DNS hangs holds up every other host's requests: measured on JDK 25, a healthy endpoint's p99 went
 * from 203 ms to 3.1 s while a resolver hung 3 s for one other host. Subscriptions on the same host with the same
 * TLS settings share a client, and so its connection pool; two with different client certificates never share a
 * connection (a pooled connection keeps the identity it was handshaken with). A renewed certificate (the same
 * files, new content) gets a new client, and the old one is dropped once the endpoints using it are gone.
 *
 * <p><b>TLS:</b> 1.2 or 1.3 only, hostname verification always (the JDK client's, which cannot be turned off per
 * client; the JVM-wide switch makes the constructor throw). See {@link SslContexts}.
 *
 * <p>Each executor is small on purpose: the client's default is an unbounded cached pool, which on two cores
 * roughly doubles the CPU per request. Its threads time out when idle, so an idle host costs no executor
 * thread (each client still has the JDK's own selector thread). On JDK 17 the common pool's parallelism
 * must also be at least 2, see {@code Main}.
 *
 * <p><b>Response bodies are read only up to {@link #MAX_BODY_BYTES}</b>: the outcome is decided by the status,
 * and reading a huge body in full cost a whole attempt's CPU for nothing (measured: a receiver answering 200
 * with 200 MB was read in full on every attempt until the request timeout, 316 attempts in 5 minutes).
 */
public final class JdkWebhookSender implements WebhookSender {
    public static final String TIMESTAMP_HEADER = RequestSigner.TIMESTAMP_HEADER;
    public static final String SIGNATURE_HEADER = RequestSigner.SIGNATURE_HEADER;
    public static final String NONCE_HEADER = RequestSigner.NONCE_HEADER;
    public static final String STANDARD_TIMESTAMP_HEADER = RequestSigner.STANDARD_TIMESTAMP_HEADER;
    public static final String STANDARD_SIGNATURE_HEADER = RequestSigner.STANDARD_SIGNATURE_HEADER;
    public static final String DELIVERY_ID_HEADER = "webhook-id";
    /** Kept for diagnostics (the dead letter's response body). */
    public static final int BODY_PREFIX_BYTES = 1024;
    /**
     * How much of a response body is read (give or take one network read). A body within it is read to its
     * end, so its connection is reused; past it the read is cancelled, which makes the JDK client close that
     * connection rather than drain it.
     */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    /** Per host; enough for a busy host's signing and I/O, and a hung resolver blocks only its own host. */
    private static final int THREADS_PER_HOST = 2;

    private static final Duration IDLE_THREAD_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    private final Function<String, ExecutorService> executorForHost;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Clock clock;
    private final String userAgent;
    private final ResponseClassifier classifier;
    private final SecureRandom nonces = new SecureRandom();
    /** Guarded by {@code this}: touched once per subscription version, never per send. */
    private final Map<ClientKey, HostClient> clients = new HashMap<>();

    private boolean closed; // guarded by this

    public JdkWebhookSender(
            Duration connectTimeout,
            Duration requestTimeout,
            Clock clock,
            String userAgent,
            ResponseClassifier classifier) {
        this(JdkWebhookSender::hostExecutor, connectTimeout, requestTimeout, clock, userAgent, classifier);
    }

    /** @param executorForHost the executor for a (lower-case) host name's client; called once per host */
    JdkWebhookSender(
            Function<String, ExecutorService> executorForHost,
            Duration connectTimeout,
            Duration requestTimeout,
            Clock clock,
            String userAgent,
            ResponseClassifier classifier) {
        this.executorForHost = Objects.requireNonNull(executorForHost, "executorForHost");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        SslContexts.requireHostnameVerification(System.getProperty(SslContexts.DISABLE_HOSTNAME_VERIFICATION));
    }

    @Override
    public Endpoint endpoint(Subscription subscription) {
        Objects.requireNonNull(subscription, "subscription");
        URI url = subscription.url();
        return new JdkEndpoint(
                url, new RequestSigner(subscription.signing(), nonces), clientFor(url, subscription.tls()));
    }

    private synchronized HttpClient clientFor(URI url, Tls tls) {
        if (closed) {
            throw new IllegalStateException("sender is closed");
        }
        // a URL without a host gets a client too; its requests then fail, classified, in send
        String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
        var key = new ClientKey(host, tls);
        HostClient client = clients.get(key);
        if (client == null) {
            // the same host and files with other content: a renewal, the old client goes with its last endpoint
            clients.keySet()
                    .removeIf(k -> k.host().equals(host) && k.tls().files().equals(tls.files()));
            client = newClient(key);
            clients.put(key, client);
        }
        return client.client();
    }

    private HostClient newClient(ClientKey key) {
        ExecutorService executor = Objects.requireNonNull(executorForHost.apply(key.host()), "executor");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance on plain http
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .sslParameters(SslContexts.parameters())
                .executor(executor);
        if (!key.tls().isDefault()) {
            try {
                builder.sslContext(SslContexts.context(key.tls()));
            } catch (java.security.GeneralSecurityException e) {
                executor.shutdown();
                // the loader checked the files; what is left is the JVM lacking TLS itself
                throw new IllegalStateException("cannot set up TLS for " + key.host(), e);
            }
        }
        return new HostClient(builder.build(), executor);
    }

    /** What a client is shared by: one host, one set of TLS settings (equal when the same files hold the same bytes). */
    private record ClientKey(String host, Tls tls) {}

    private record HostClient(HttpClient client, ExecutorService executor) {}

    /** At most two daemon threads, which time out when the host is idle. */
    static ExecutorService hostExecutor(String host) {
        var pool = new ThreadPoolExecutor(
                THREADS_PER_HOST,
                THREADS_PER_HOST,
                IDLE_THREAD_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                daemon("webhook-http-" + (host.isEmpty() ? "nohost" : host)));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadFactory daemon(String prefix) {
        var n = new AtomicInteger();
        return r -> {
            var t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** One subscription version: its URL and signer, and the client of its host. Immutable. */
    private final class JdkEndpoint implements Endpoint {
        private final URI url;
        private final RequestSigner signer;
        private final HttpClient client;

        JdkEndpoint(URI url, RequestSigner signer, HttpClient client) {
            this.url = url;
            this.signer = signer;
            this.client = client;
        }

        @Override
        public CompletableFuture<DeliveryOutcome> send(String deliveryId, byte[] body) {
            long started = System.nanoTime();
            var response = new PrefixSubscriber();
            try {
                HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                        .timeout(requestTimeout)
                        .header("Content-Type", "application/json")
                        .header("User-Agent", userAgent)
                        .header(DELIVERY_ID_HEADER, deliveryId);
                signer.sign(builder, deliveryId, clock.millis(), body);
                HttpRequest http = builder.POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
                return client.sendAsync(http, info -> response)
                        // HttpRequest.timeout ends at the response headers; this deadline covers the body too
                        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .handle((r, error) -> {
                            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                            if (error != null) {
                                response.cancel(); // closes a connection whose body stalled
                                return classifier.classify(error, elapsed);
                            }
                            return classifier.classify(
                                    r.statusCode(),
                                    r.headers().firstValue("Retry-After"),
                                    r.body(),
                                    elapsed,
                                    clock.instant());
                        });
            } catch (RuntimeException e) { // e.g. an unsupported URI, a header value with a line break, closed
                return CompletableFuture.completedFuture(
                        classifier.classify(e, Duration.ofNanos(System.nanoTime() - started)));
            }
        }
    }

    /** Stops new requests; in-flight ones fail or finish within the request timeout. */
    @Override
    public void close() {
        List<ExecutorService> executors;
        synchronized (this) {
            closed = true;
            executors = new ArrayList<>();
            clients.values().forEach(c -> executors.add(c.executor()));
            clients.clear();
        }
        // HttpClient.close() is JDK 21+; shutting its executor down is what stops a JDK 17 client
        executors.forEach(ExecutorService::shutdown);
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        try {
            for (ExecutorService executor : executors) {
                executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executors.forEach(ExecutorService::shutdownNow);
    }

    /**
     * Keeps the first {@link #BODY_PREFIX_BYTES} of a response body and reads on to its end only if that is
     * within {@link #MAX_BODY_BYTES}; past that it cancels the read and completes with the prefix at once.
     * Signals arrive one at a time (Reactive Streams rule 1.3); {@link #cancel} may come from any thread.
     */
    static final class PrefixSubscriber implements HttpResponse.BodySubscriber<String> {
        private final byte[] prefix = new byte[BODY_PREFIX_BYTES];
        private int length;
        private long read;
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private volatile Flow.Subscription subscription;

        void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return; // cancelled; buffers already on their way may still arrive
            }
            for (ByteBuffer buffer : buffers) {
                read += buffer.remaining();
                int n = Math.min(buffer.remaining(), prefix.length - length);
                buffer.get(prefix, length, n);
                length += n;
            }
            if (read > MAX_BODY_BYTES) {
                subscription.cancel();
                complete();
            }
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            complete();
        }

        private void complete() {
            body.complete(new String(prefix, 0, length, StandardCharsets.UTF_8));
        }
    }
}
