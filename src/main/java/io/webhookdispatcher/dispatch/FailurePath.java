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

    /** Never to be attempted (its subscription was removed or disabled): dead-lettered with {@code reason}. */
    CompletableFuture<RecordCompletion> abandon(Delivery delivery, String reason);
}
