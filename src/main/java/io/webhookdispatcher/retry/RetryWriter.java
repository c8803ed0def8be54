package io.webhookdispatcher.retry;

import static io.webhookdispatcher.retry.WebhookHeaders.put;

import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome.Failure;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Puts a failed delivery on the retry path as its own record: the original key and value, addressed
 * to one subscription, with its attempt count, due time and last failure in headers.
 */
public final class RetryWriter {
    private final DurableWriter writer;
    private final Clock clock;

    public RetryWriter(DurableWriter writer, Clock clock) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Completes once the broker acknowledged the retry record. */
    public CompletableFuture<Void> schedule(Delivery d, Failure failure, RetryPolicy.Next next) {
        var headers = new RecordHeaders();
        put(headers, WebhookHeaders.ATTEMPTS, next.attempt() - 1);
        put(headers, WebhookHeaders.DUE_AT, next.dueAt());
        DeadLetters.putEvent(headers, d);
        DeadLetters.putFailure(headers, failure, clock.instant().minus(failure.elapsed()));
        return writer.write(new ProducerRecord<>(next.topic(), null, d.key(), d.body(), headers));
    }
}
