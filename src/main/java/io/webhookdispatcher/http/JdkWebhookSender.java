package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.WebhookSender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Signs and POSTs webhooks with the JDK's {@link HttpClient}: HTTP/1.1, redirects never followed, one deadline
 * per attempt that covers the response body too. Never throws: every attempt completes with a classified
 * {@link DeliveryOutcome}.
 *
 * <p>One attempt, each step owned by one class:
 * <pre>
 *   {@link HostClients}: the client and executor of the URL's host and TLS settings (once per subscription version)
 *   {@link Resolution}: DNS on that executor, then the destination guard on every address, before connecting;
 *                       plain http pinned to the checked address
 *   {@link RequestSigner}: the signature headers
 *   the host's client: POST, the body read by a {@link PrefixSubscriber} (at most {@link #MAX_BODY_BYTES})
 *   {@link ResponseClassifier}: the outcome, from the response or the error
 * </pre>
 *
 * <p><b>TLS:</b> 1.2 or 1.3 only, hostname verification always (the JDK client's, which cannot be turned off per
 * client; the JVM-wide switch makes the constructor throw). See {@link SslContexts}.
 */
public final class JdkWebhookSender implements WebhookSender {
    public static final String TIMESTAMP_HEADER = RequestSigner.TIMESTAMP_HEADER;
    public static final String SIGNATURE_HEADER = RequestSigner.SIGNATURE_HEADER;
    public static final String NONCE_HEADER = RequestSigner.NONCE_HEADER;
    public static final String STANDARD_TIMESTAMP_HEADER = RequestSigner.STANDARD_TIMESTAMP_HEADER;
    public static final String STANDARD_SIGNATURE_HEADER = RequestSigner.STANDARD_SIGNATURE_HEADER;
    public static final String DELIVERY_ID_HEADER = "webhook-id";
    /** Kept for diagnostics (the dead letter's response body). */
    public static final int BODY_PREFIX_BYTES = PrefixSubscriber.BODY_PREFIX_BYTES;
    /** How much of a response body is read: see {@link PrefixSubscriber}. */
    public static final int MAX_BODY_BYTES = PrefixSubscriber.MAX_BODY_BYTES;

    private static final String RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";

    private final HostClients clients;
    private final Duration requestTimeout;
    private final Clock clock;
    private final String userAgent;
    private final ResponseClassifier classifier;
    private final DestinationGuard guard;
    private final SecureRandom nonces = new SecureRandom();

    public JdkWebhookSender(
            Duration connectTimeout,
            Duration requestTimeout,
            Clock clock,
            String userAgent,
            ResponseClassifier classifier,
            DestinationGuard guard) {
        this(HostClients::hostExecutor, connectTimeout, requestTimeout, clock, userAgent, classifier, guard);
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
        this.clients = new HostClients(executorForHost, connectTimeout);
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
                url, new RequestSigner(subscription.signing(), nonces), clients.clientFor(url, subscription.tls()));
    }

    @Override
    public void retain(java.util.Collection<Subscription> current) {
        clients.retain(current);
    }

    /** One subscription version: its URL and signer, and the client of its host. Immutable. */
    private final class JdkEndpoint implements Endpoint {
        private final URI url;
        private final RequestSigner signer;
        private final HostClients.HostClient host;

        /**
         * The resolution of a host written as an address ({@code 192.0.2.1}, {@code [2001:db8::1]}), made once: it
         * needs no DNS and cannot change, so its attempts skip the hop to the host's executor. Null for a name.
         */
        private final Resolution literal;

        JdkEndpoint(URI url, RequestSigner signer, HostClients.HostClient host) {
            this.url = url;
            this.signer = signer;
            this.host = host;
            this.literal = Resolution.isAddressLiteral(url.getHost()) ? resolveOrNull() : null;
        }

        private Resolution resolveOrNull() {
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
                Resolution target, String deliveryId, byte[] body, PrefixSubscriber response, long started) {
            return target.isRefused()
                    ? CompletableFuture.completedFuture(
                            classifier.blocked(target.refusal(), Duration.ofNanos(System.nanoTime() - started)))
                    : post(target.target(), deliveryId, body, response, started);
        }

        /** On the host's executor (or once, for an address literal). */
        private Resolution resolve() {
            return Resolution.of(url, guard);
        }

        private CompletableFuture<DeliveryOutcome> post(
                Resolution.Target target, String deliveryId, byte[] body, PrefixSubscriber response, long started) {
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

    /** Stops new requests; in-flight ones fail or finish within the request timeout. */
    @Override
    public void close() {
        clients.close();
    }
}
