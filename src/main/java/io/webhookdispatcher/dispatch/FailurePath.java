package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Where deliveries go that are not delivered now: the retry topics and the dead-letter topic
 * ({@code retry.OutcomeRouter}). Every method completes once the write is acknowledged ({@code DURABLE}), or
 * with {@code DROPPED} when the delivery's lease ended before it was written (the next owner redoes it); a
 * failed write is retried, never an outcome.
 */
public interface FailurePath {

    /** After a failed attempt: the retry topic of the next step, or the dead-letter topic. */
    CompletableFuture<RecordCompletion> failed(Delivery delivery, DeliveryOutcome outcome);

    /**
     * Not attempted now (circuit open, queue full, slow, rate-limited): back on the retry path without using an
     * attempt, due no earlier than {@code atLeast} from now, and preferably not before {@code likely} (when its
     * subscription can likely take it: a step further at most). {@code reason} goes into a header.
     */
    CompletableFuture<RecordCompletion> defer(
            Delivery delivery, DeferralReason reason, Duration atLeast, Duration likely);

    /**
     * Deliveries of one record with one retry state, deferred together for one reason: back on the retry path as
     * one record that names them all, so that however many subscriptions of an event are deferred, the retry path
     * takes one write for them (the same due time for all: the earliest any of them may take). This default writes
     * them one by one.
     */
    default CompletableFuture<RecordCompletion> deferTogether(
            java.util.List<Delivery> deliveries, DeferralReason reason, Duration atLeast, Duration likely) {
        CompletableFuture<RecordCompletion> all = null;
        for (Delivery d : deliveries) {
            CompletableFuture<RecordCompletion> one = defer(d, reason, atLeast, likely);
            all = all == null ? one : all.thenCombine(one, RecordCompletion::and);
        }
        return all;
    }

    /** Never to be attempted (its subscription was removed or disabled): dead-lettered with {@code reason}. */
    CompletableFuture<RecordCompletion> abandon(Delivery delivery, String reason);
}
