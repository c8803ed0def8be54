package io.webhookdispatcher.retry;

import static io.webhookdispatcher.retry.WebhookHeaders.put;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome.Failure;
import io.webhookdispatcher.event.CrmEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds self-describing dead-letter records: the original key and value, and headers with everything
 * needed to understand and replay them (see {@link WebhookHeaders}).
 */
public final class DeadLetters {
    /** Reasons for a failed delivery; invalid input uses the parser's reasons ({@code invalid-json}, ...). */
    public static final String RETRIES_EXHAUSTED = "retries-exhausted";

    public static final String PERMANENT_FAILURE = "permanent-failure";
    public static final String SUBSCRIPTION_REMOVED = "subscription-removed";
    public static final String SUBSCRIPTION_DISABLED = "subscription-disabled";
    /** Auto-disabled after its endpoint failed for {@code autoDisableAfter}; replay once it is enabled again. */
    public static final String ENDPOINT_DISABLED = "endpoint-disabled";

    public static final String INVALID_RETRY_RECORD = "invalid-retry-record";

    private static final int MAX_MESSAGE_CHARS = 1024;

    private final DurableWriter writer;
    private final String topic;
    private final Clock clock;

    public DeadLetters(DurableWriter writer, String topic, Clock clock) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String topic() {
        return topic;
    }

    /**
     * A consumed record that cannot be dispatched at all. A too-large one is written without its value (which
     * the topic would refuse); its headers point to the original, still on its topic.
     */
    public CompletableFuture<RecordCompletion> invalidInput(
            ConsumerRecord<byte[], byte[]> record, String reason, String detail, Lease lease) {
        var headers = new RecordHeaders();
        put(headers, WebhookHeaders.REASON, reason);
        put(headers, WebhookHeaders.DETAIL, truncate(detail));
        put(headers, WebhookHeaders.ORIGINAL_TOPIC, record.topic());
        put(headers, WebhookHeaders.ORIGINAL_PARTITION, record.partition());
        put(headers, WebhookHeaders.ORIGINAL_OFFSET, record.offset());
        put(headers, WebhookHeaders.ORIGINAL_TIMESTAMP, Instant.ofEpochMilli(record.timestamp()));
        byte[] value = record.value();
        if (reason.equals(CrmEvent.Invalid.TOO_LARGE.reason)) {
            put(headers, WebhookHeaders.VALUE_OMITTED, value.length);
            value = null;
        }
        return writer.write(new ProducerRecord<>(topic, null, record.key(), value, headers), lease);
    }

    /**
     * A delivery that will not be attempted again; {@code failure} is its last attempt, or null when it was not
     * attempted now (e.g. its subscription was removed): then the previous attempt's diagnostics are kept.
     */
    public CompletableFuture<RecordCompletion> failedDelivery(Delivery d, String reason, Failure failure) {
        var headers = new RecordHeaders();
        put(headers, WebhookHeaders.REASON, reason);
        put(
                headers,
                WebhookHeaders.ATTEMPTS,
                failure == null ? d.retry().attempt() - 1 : d.retry().attempt());
        putEvent(headers, d);
        putLast(headers, failure == null ? d.retry().last() : attempted(failure));
        return writer.write(new ProducerRecord<>(topic, null, d.message().key(), d.body(), headers), d.lease());
    }

    /** A retry record that cannot even be read as a delivery: its headers as they were, a new reason. */
    public CompletableFuture<RecordCompletion> unreadableRetry(
            ConsumerRecord<byte[], byte[]> retryRecord, Lease lease) {
        var headers = new RecordHeaders();
        put(headers, WebhookHeaders.REASON, INVALID_RETRY_RECORD);
        for (var h : retryRecord.headers()) {
            if (!h.key().equals(WebhookHeaders.REASON) && !h.key().equals(WebhookHeaders.DUE_AT)) {
                headers.add(h);
            }
        }
        return writer.write(new ProducerRecord<>(topic, null, retryRecord.key(), retryRecord.value(), headers), lease);
    }

    /**
     * {@link #unreadableRetry} for one subscription of a record deferred for several: addressed to it alone (as a
     * single delivery's record is), so that it can be replayed to it.
     */
    public CompletableFuture<RecordCompletion> unreadableRetry(
            ConsumerRecord<byte[], byte[]> retryRecord, String subscription, String deliveryId, Lease lease) {
        var headers = new RecordHeaders();
        put(headers, WebhookHeaders.REASON, INVALID_RETRY_RECORD);
        put(headers, WebhookHeaders.SUBSCRIPTION, subscription);
        put(headers, WebhookHeaders.DELIVERY_ID, deliveryId);
        for (var h : retryRecord.headers()) {
            if (!List.of(WebhookHeaders.REASON, WebhookHeaders.DUE_AT, WebhookHeaders.SUBSCRIPTIONS)
                    .contains(h.key())) {
                headers.add(h);
            }
        }
        return writer.write(new ProducerRecord<>(topic, null, retryRecord.key(), retryRecord.value(), headers), lease);
    }

    Delivery.Attempted attempted(Failure failure) {
        return new Delivery.Attempted(clock.instant().minus(failure.elapsed()), failure);
    }

    /** Where the event came from and what it is: carried unchanged through every retry. */
    static void putEvent(RecordHeaders headers, Delivery d) {
        put(headers, WebhookHeaders.SUBSCRIPTION, d.lane().id());
        put(headers, WebhookHeaders.DELIVERY_ID, d.message().deliveryId());
        putMessage(headers, d);
    }

    /** {@link #putEvent} but for whom: what the deliveries of one record deferred together share. */
    static void putMessage(RecordHeaders headers, Delivery d) {
        put(headers, WebhookHeaders.EVENT_TYPE, d.message().eventType());
        put(headers, WebhookHeaders.EVENT_TIME, d.message().occurredAt());
        put(headers, WebhookHeaders.FIRST_ATTEMPT_AT, d.retry().firstAttemptAt());
        put(headers, WebhookHeaders.DEFERRED_SINCE, d.retry().deferredSince());
        putOrigin(headers, d.message().origin());
    }

    /** The last failed attempt's diagnostics, if there was one. */
    static void putLast(RecordHeaders headers, Delivery.Attempted last) {
        if (last == null) {
            return;
        }
        Failure failure = last.failure();
        put(headers, WebhookHeaders.LAST_ATTEMPT_AT, last.at());
        put(headers, WebhookHeaders.LAST_STATUS, failure.status());
        put(headers, WebhookHeaders.ERROR_CLASS, failure.errorClass());
        put(headers, WebhookHeaders.ERROR_MESSAGE, truncate(failure.errorMessage()));
        put(headers, WebhookHeaders.RESPONSE_BODY, failure.responseBody());
    }

    static void putOrigin(RecordHeaders headers, Delivery.Origin origin) {
        put(headers, WebhookHeaders.ORIGINAL_TOPIC, origin.topic());
        put(headers, WebhookHeaders.ORIGINAL_PARTITION, origin.partition());
        put(headers, WebhookHeaders.ORIGINAL_OFFSET, origin.offset());
        put(headers, WebhookHeaders.ORIGINAL_TIMESTAMP, Instant.ofEpochMilli(origin.timestamp()));
    }

    static String truncate(String text) {
        return text == null || text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS);
    }
}
