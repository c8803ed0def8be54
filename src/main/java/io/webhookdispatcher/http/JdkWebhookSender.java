package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.dispatch.WebhookSender;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * <p><b>The destination guard is checked after DNS, against the address connected to.</b> Each attempt resolves
 * its host itself ({@link InetAddress#getAllByName}, served from the JVM's cache of {@code networkaddress.cache.ttl},
 * 30 s, on this host's own executor threads, so a hanging resolver stalls only its own host, as before) and
 * refuses the attempt, permanently and without connecting, if any address is blocked. Then:
 * <ul>
 *   <li>{@code http://}: the request goes to the checked address literal with the URL's {@code Host} header, so
 *       the client connects to exactly the address checked: a DNS answer that changes between check and connect
 *       (rebinding) is never used. Setting {@code Host} needs {@code -Djdk.httpclient.allowRestrictedHeaders=host},
 *       read once when the client's classes load ({@code Main} sets it; the constructor fails without it).
 *   <li>{@code https://}: the request goes to the name, which TLS needs for SNI and hostname verification. If the
 *       client's own lookup were rebound to an internal address after the check, that host would have to present a
 *       certificate valid for the name, signed by a trusted CA; it cannot, so the handshake fails before any byte
 *       of the request is sent.
 * </ul>
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
    private static final String RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";

    private final Function<String, ExecutorService> executorForHost;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Clock clock;
    private final String userAgent;
    private final ResponseClassifier classifier;
    private final DestinationGuard guard;
    private final SecureRandom nonces = new SecureRandom();
    /** Guarded by {@code this}: touched once per subscription version, never per send. */
    private final Map<ClientKey, HostClient> clients = new HashMap<>();

    private boolean closed; // guarded by this

    public JdkWebhookSender(
            Duration connectTimeout,
            Duration requestTimeout,
            Clock clock,
            String userAgent,
            ResponseClassifier classifier,
            DestinationGuard guard) {
        this(JdkWebhookSender::hostExecutor, connectTimeout, requestTimeout, clock, userAgent, classifier, guard);
    }

    /** @param executorForHost the executor for a (lower-case) host name's client; called once per host */
    JdkWebhookSender(
            Function<String, ExecutorService> executorForHost,
            Duration connectTimeout,
            Duration requestTimeout,
            Clock clock,
            String userAgent,
            ResponseClassifier classifier,
            DestinationGuard guard) {
        requireHostHeaderAllowed();
        this.executorForHost = Objects.requireNonNull(executorForHost, "executorForHost");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.guard = Objects.requireNonNull(guard, "guard");
        SslContexts.requireHostnameVerification(System.getProperty(SslContexts.DISABLE_HOSTNAME_VERIFICATION));
    }

    /** Fails fast where plain-http deliveries could not be pinned to their checked address. */
    private static void requireHostHeaderAllowed() {
        try {
            HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).header("Host", "example.com");
        } catch (IllegalArgumentException restricted) {
            throw new IllegalStateException("the JDK HttpClient refuses a Host header: start the JVM with -D"
                    + RESTRICTED_HEADERS + "=host (set before any HttpClient class loads; app.Main does)");
        }
    }

    @Override
    public Endpoint endpoint(Subscription subscription) {
        Objects.requireNonNull(subscription, "subscription");
        URI url = subscription.url();
        return new JdkEndpoint(
                url, new RequestSigner(subscription.signing(), nonces), clientFor(url, subscription.tls()));
    }

    private synchronized HostClient clientFor(URI url, Tls tls) {
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
        return client;
    }

    private HostClient newClient(ClientKey key) {
        ExecutorService executor = Objects.requireNonNull(executorForHost.apply(key.host()), "executor");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance on plain http
                .followRedirects(HttpClient.Redirect.NEVER)
                // never a proxy (not even -Dhttp.proxyHost or useSystemProxies): the guard checks the address the
                // client connects to, and a proxy would resolve and connect on its own
                .proxy(HttpClient.Builder.NO_PROXY)
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

    /**
     * Where one attempt goes once its host's addresses passed the guard: the URL itself (https, or a host that is an
     * address already), or the checked address literal with the URL's {@code Host} header (http).
     */
    private record Target(URI uri, Optional<String> hostHeader) {}

    /**
     * A host the JDK parses as an address without asking DNS: four decimal octets of at most 255, or IPv6 in
     * brackets (a bracketed host is never looked up).
     */
    private static final java.util.regex.Pattern ADDRESS_LITERAL = java.util.regex.Pattern.compile(
            "((25[0-5]|2[0-4]\\d|[01]?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|[01]?\\d?\\d)|\\[[0-9A-Fa-f:.%a-zA-Z]+]");

    /** One subscription version: its URL and signer, and the client of its host. Immutable. */
    private final class JdkEndpoint implements Endpoint {
        private final URI url;
        private final RequestSigner signer;
        private final HostClient host;

        /**
         * The resolution of a host written as an address ({@code 192.0.2.1}, {@code [2001:db8::1]}), made once: it
         * needs no DNS and cannot change, so its attempts skip the hop to the host's executor. Null for a name.
         */
        private final Resolved literal;

        JdkEndpoint(URI url, RequestSigner signer, HostClient host) {
            this.url = url;
            this.signer = signer;
            this.host = host;
            this.literal = url.getHost() != null
                            && ADDRESS_LITERAL.matcher(url.getHost()).matches()
                    ? resolveOrNull()
                    : null;
        }

        private Resolved resolveOrNull() {
            try {
                return resolve();
            } catch (CompletionException e) {
                return null; // an unusable literal: each attempt fails, classified, as for a name
            }
        }

        /**
         * <pre>
         *   host executor: resolve, check every address ──blocked──► Permanent(blocked-destination), no connection
         *        │ allowed
         *        ▼
         *   sign, POST to the target ──► classified response, or classified error
         * </pre>
         * One deadline, {@code requestTimeout}, covers all of it (a hung resolver included).
         */
        @Override
        public CompletableFuture<DeliveryOutcome> send(String deliveryId, byte[] body) {
            long started = System.nanoTime();
            var response = new PrefixSubscriber();
            try {
                return (literal != null
                                ? attempt(literal, deliveryId, body, response, started) // no DNS: no executor hop
                                : CompletableFuture.supplyAsync(this::resolve, host.executor())
                                        .thenCompose(target -> attempt(target, deliveryId, body, response, started)))
                        // HttpRequest.timeout ends at the response headers; this deadline covers DNS and body too
                        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .exceptionally(error -> {
                            response.cancel(); // closes a connection whose body stalled
                            return classifier.classify(error, Duration.ofNanos(System.nanoTime() - started));
                        });
            } catch (RuntimeException e) { // e.g. the host's executor is shut down: the sender is closed
                return CompletableFuture.completedFuture(
                        classifier.classify(e, Duration.ofNanos(System.nanoTime() - started)));
            }
        }

        private CompletableFuture<DeliveryOutcome> attempt(
                Resolved target, String deliveryId, byte[] body, PrefixSubscriber response, long started) {
            return target.refused()
                    ? CompletableFuture.completedFuture(
                            classifier.blocked(target.refusal(), Duration.ofNanos(System.nanoTime() - started)))
                    : post(target.target(), deliveryId, body, response, started);
        }

        /** On the host's executor: DNS (or a literal's parse), then the guard on every address. */
        private Resolved resolve() {
            String name = url.getHost();
            if (name == null) { // getAllByName(null) would answer loopback
                throw new CompletionException(new IllegalArgumentException("the URL has no host"));
            }
            InetAddress[] addresses;
            try {
                addresses = InetAddress.getAllByName(name);
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
            for (InetAddress address : addresses) {
                Optional<String> why = guard.refusal(address);
                if (why.isPresent()) { // fail closed: a client may pick any of them, now or on a reconnect
                    return Resolved.refused(name + " resolves to " + address.getHostAddress() + ", " + why.get()
                            + ", which delivery.allowedNetworks does not allow");
                }
            }
            if (!"http".equalsIgnoreCase(url.getScheme())) {
                return Resolved.to(new Target(url, Optional.empty()));
            }
            return Resolved.to(pinned(addresses[0]));
        }

        /** The URL with the checked address for its host; the client then connects to that address only. */
        private Target pinned(InetAddress address) {
            String literal = address instanceof Inet6Address
                    ? "[" + address.getHostAddress().replaceFirst("%.*$", "") + "]"
                    : address.getHostAddress();
            if (literal.equals(url.getHost())) {
                return new Target(url, Optional.empty()); // already the address: the client's own Host header is it
            }
            String port = url.getPort() < 0 ? "" : ":" + url.getPort();
            String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
            String query = url.getRawQuery() == null ? "" : "?" + url.getRawQuery();
            URI uri = URI.create(url.getScheme() + "://" + literal + port + path + query);
            // the header the client would have sent for the URL: host, and the port if the URL gives one
            return new Target(uri, Optional.of(url.getHost() + (url.getPort() < 0 || url.getPort() == 80 ? "" : port)));
        }

        private CompletableFuture<DeliveryOutcome> post(
                Target target, String deliveryId, byte[] body, PrefixSubscriber response, long started) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(target.uri())
                    .timeout(requestTimeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", userAgent)
                    .header(DELIVERY_ID_HEADER, deliveryId);
            signer.sign(builder, deliveryId, clock.millis(), body);
            builder.POST(HttpRequest.BodyPublishers.ofByteArray(body));
            target.hostHeader().ifPresent(h -> builder.header("Host", h));
            // an unsupported URI or a header value with a line break throws here: classified by send's handler
            return host.client()
                    .sendAsync(builder.build(), info -> response)
                    .thenApply(r -> classifier.classify(
                            r.statusCode(),
                            r.headers().firstValue("Retry-After"),
                            r.body(),
                            Duration.ofNanos(System.nanoTime() - started),
                            clock.instant()));
        }
    }

    /** What {@code resolve} found: a target, or why the guard refused the host. */
    private record Resolved(Target target, String refusal) {
        static Resolved to(Target target) {
            return new Resolved(target, null);
        }

        static Resolved refused(String why) {
            return new Resolved(null, why);
        }

        boolean refused() {
            return refusal != null;
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
        private byte[] prefix; // allocated with the first bytes: most 2xx answers have no body
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
                if (prefix == null && buffer.hasRemaining()) {
                    prefix = new byte[BODY_PREFIX_BYTES];
                }
                if (prefix == null) {
                    continue;
                }
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
            body.complete(length == 0 ? "" : new String(prefix, 0, length, StandardCharsets.UTF_8));
        }
    }
}
