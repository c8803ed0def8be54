package io.webhookdispatcher.http;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Keeps the first {@link #BODY_PREFIX_BYTES} of a response body and reads on to its end only if that is
 * within {@link #MAX_BODY_BYTES}; past that it cancels the read and completes with the prefix at once.
 * Signals arrive one at a time (Reactive Streams rule 1.3); {@link #cancel} may come from any thread.
 *
 * <p>Why not read the body in full: the outcome is decided by the status, and reading a huge body in full cost a
 * whole attempt's CPU for nothing (measured: a receiver answering 200 with 200 MB was read in full on every attempt
 * until the request timeout, 316 attempts in 5 minutes). One per attempt.
 */
final class PrefixSubscriber implements HttpResponse.BodySubscriber<String> {
    /** Kept for diagnostics (the dead letter's response body). */
    static final int BODY_PREFIX_BYTES = 1024;
    /**
     * How much of a response body is read (give or take one network read). A body within it is read to its
     * end, so its connection is reused; past it the read is cancelled, which makes the JDK client close that
     * connection rather than drain it.
     */
    static final int MAX_BODY_BYTES = 64 * 1024;

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
