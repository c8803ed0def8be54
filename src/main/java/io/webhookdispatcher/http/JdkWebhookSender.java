package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Signs and POSTs one webhook with the JDK's {@link HttpClient}. Never throws: every attempt completes
 * with a classified {@link DeliveryOutcome}.
 *
 * <p>The client gets an explicit, small executor: its default is an unbounded cached pool, which on two
 * cores roughly doubles the CPU per request. (On JDK 17 the common pool's parallelism must also be at
 * least 2, see {@code Main}.)
 */
public final class JdkWebhookSender implements AutoCloseable {
    public static final String TIMESTAMP_HEADER = "X-Twenty-Webhook-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Twenty-Webhook-Signature";
    public static final String NONCE_HEADER = "X-Twenty-Webhook-Nonce";
    public static final String DELIVERY_ID_HEADER = "webhook-id";
    /** Kept for diagnostics; the rest of a response body is read and discarded. */
    public static final int BODY_PREFIX_BYTES = 1024;

    private static final HexFormat HEX = HexFormat.of();

    private final HttpClient client;
    private final ExecutorService executor;
    private final Clock clock;
    private final String userAgent;
    private final Duration requestTimeout;
    private final ResponseClassifier classifier;

    public JdkWebhookSender(ExecutorService executor, Duration connectTimeout, Duration requestTimeout,
                            Clock clock, String userAgent, ResponseClassifier classifier) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance on plain http
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .executor(executor)
                .build();
    }

    /** The request as sent; {@code body} is posted verbatim and is what the signature covers. */
    public record WebhookRequest(URI url, WebhookSigner signer, String deliveryId, byte[] body) {
    }

    public CompletableFuture<DeliveryOutcome> send(WebhookRequest request) {
        long started = System.nanoTime();
        var body = new PrefixSubscriber();
        try {
            long timestamp = clock.millis();
            HttpRequest http = HttpRequest.newBuilder(request.url())
                    .timeout(requestTimeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", userAgent)
                    .header(TIMESTAMP_HEADER, Long.toString(timestamp))
                    .header(SIGNATURE_HEADER, request.signer().sign(timestamp, request.body()))
                    .header(NONCE_HEADER, nonce())
                    .header(DELIVERY_ID_HEADER, request.deliveryId())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()))
                    .build();
            return client.sendAsync(http, info -> body)
                    // HttpRequest.timeout ends at the response headers; this deadline covers the body too
                    .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((response, error) -> {
                        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                        if (error != null) {
                            body.cancel(); // closes a connection whose body stalled
                            return classifier.classify(error, elapsed);
                        }
                        return classifier.classify(response.statusCode(),
                                response.headers().firstValue("Retry-After"), response.body(), elapsed,
                                clock.instant());
                    });
        } catch (RuntimeException e) { // e.g. an unsupported URI, or a header value with a line break
            return CompletableFuture.completedFuture(classifier.classify(e, Duration.ofNanos(System.nanoTime() - started)));
        }
    }

    private static String nonce() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /** Stops new requests; in-flight ones fail or finish within the request timeout. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }

    /** Reads the whole response (so the connection can be reused) but keeps only its first 1 KiB. */
    static final class PrefixSubscriber implements HttpResponse.BodySubscriber<String> {
        private final byte[] prefix = new byte[BODY_PREFIX_BYTES];
        private int length;
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
            for (ByteBuffer buffer : buffers) {
                int n = Math.min(buffer.remaining(), prefix.length - length);
                buffer.get(prefix, length, n);
                length += n;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            body.complete(new String(prefix, 0, length, StandardCharsets.UTF_8));
        }
    }
}
