package io.webhookdispatcher.retry;

import static io.webhookdispatcher.retry.WebhookHeaders.put;

import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.dispatch.DeferralReason;
import io.webhookdispatcher.dispatch.Delivery;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Puts a delivery on the retry path as its own record (or deliveries of one event deferred together as one): the
 * original key and value (never without its value: the start-up check makes sure the retry topics accept the
 * largest event), addressed to its subscriptions, with
 * its attempt count, due time and last failure in headers.
 */
public final class RetryWriter {
    private final DurableWriter writer;

    public RetryWriter(DurableWriter writer) {
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /** After failed attempt {@code next.attempt() - 1}; completes once the broker acknowledged it. */
    public CompletableFuture<RecordCompletion> schedule(Delivery d, Delivery.Attempted failed, RetryPolicy.Next next) {
        var headers = headers(d, next, 0, null, failed, failed.at());
        DeadLetters.putEvent(headers, d);
        return send(d, next, headers);
    }

    /** Not attempted now: the same attempt waits again; {@code deferral} counts since the last attempt. */
    public CompletableFuture<RecordCompletion> defer(
            Delivery d, DeferralReason reason, int deferral, RetryPolicy.Next next, java.time.Instant now) {
        var headers = headers(d, next, deferral, reason, d.retry().last(), now);
        DeadLetters.putEvent(headers, d);
        return send(d, next, headers);
    }

    /**
     * Deliveries of one record with one retry state, deferred together: one record that names each subscription
     * and its delivery id ({@link WebhookHeaders#SUBSCRIPTIONS}); completes once the broker acknowledged it.
     */
    public CompletableFuture<RecordCompletion> deferTogether(
            List<Delivery> ds, DeferralReason reason, int deferral, RetryPolicy.Next next, java.time.Instant now) {
        Delivery d = ds.get(0);
        var headers = headers(d, next, deferral, reason, d.retry().last(), now);
        put(
                headers,
                WebhookHeaders.SUBSCRIPTIONS,
                ds.stream()
                        .map(one -> one.lane().id() + ":" + one.message().deliveryId())
                        .collect(Collectors.joining(",")));
        DeadLetters.putMessage(headers, d);
        return send(d, next, headers);
    }

    private CompletableFuture<RecordCompletion> send(Delivery d, RetryPolicy.Next next, RecordHeaders headers) {
        return writer.write(new ProducerRecord<>(next.topic(), null, d.message().key(), d.body(), headers), d.lease());
    }

    /** The retry state's headers; the event's and its addressee's are added by the caller. */
    private static RecordHeaders headers(
            Delivery d,
            RetryPolicy.Next next,
            int deferrals,
            DeferralReason reason,
            Delivery.Attempted last,
            java.time.Instant now) {
        var headers = new RecordHeaders();
        put(headers, WebhookHeaders.ATTEMPTS, next.attempt() - 1);
        put(headers, WebhookHeaders.DUE_AT, next.dueAt());
        if (deferrals > 0) {
            put(headers, WebhookHeaders.DEFERRALS, deferrals);
            put(headers, WebhookHeaders.DEFERRED_REASON, reason.wireName);
        }
        put(
                headers,
                WebhookHeaders.DEFERRED_SINCE,
                deferrals > 0 && d.retry().deferredSince() == null
                        ? now
                        : d.retry().deferredSince());
        DeadLetters.putLast(headers, last);
        return headers;
    }
}
