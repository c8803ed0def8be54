package io.webhookdispatcher.attempts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * One line of the delivery log, as JSON on {@code topics.attempts}, keyed by the delivery id. It says what was
 * tried and what came of it; it never carries the event's body, a secret, a header or a response body.
 *
 * @param key        the event record's key as UTF-8 text, or null when it is not valid UTF-8 (then {@code keyBase64})
 * @param attempt    the attempt's number, 1 for the first; for a decision without an attempt (a deferral), the number
 *                   of the attempt still to be made
 * @param startedAt  when the attempt started (or the decision was made), ISO-8601
 * @param durationMs the HTTP round trip, or null when no attempt was made
 * @param status     the HTTP status, or null when there was no response or no attempt
 * @param result     the attempt's result class ({@code 2xx}, {@code 5xx}, {@code timeout}, …), or null without attempt
 * @param errorClass the failure's class ({@code HttpStatus} for a non-2xx answer, or the exception's), or null
 * @param outcome    a {@link AttemptLog.Verdict} label: delivered, retry_scheduled, deferred, circuit_open, …
 * @param reason     the deferral or dead-letter reason ({@code queue-full}, {@code retries-exhausted}, …), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttemptRecord(
        String deliveryId,
        String subscription,
        String eventType,
        String key,
        String keyBase64,
        String topic,
        int partition,
        long offset,
        int attempt,
        String startedAt,
        Long durationMs,
        Integer status,
        String result,
        String errorClass,
        String outcome,
        String reason) {

    static final ObjectMapper JSON = new ObjectMapper()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public AttemptRecord {
        Objects.requireNonNull(deliveryId, "deliveryId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /** What the dispatcher knows of an attempt, without its body. */
    public static AttemptRecord of(
            Delivery d, DeliveryOutcome outcome, Instant startedAt, AttemptLog.Verdict verdict, String reason) {
        Delivery.Message m = d.message();
        String text = m.key() == null ? null : utf8(m.key());
        Integer status = null;
        String errorClass = null;
        if (outcome instanceof DeliveryOutcome.Delivered delivered) {
            status = delivered.status();
        } else if (outcome != null) {
            DeliveryOutcome.Failure f = outcome instanceof DeliveryOutcome.Retryable r
                    ? r.failure()
                    : ((DeliveryOutcome.Permanent) outcome).failure();
            status = f.status() == 0 ? null : f.status();
            errorClass = f.errorClass();
        }
        return new AttemptRecord(
                m.deliveryId(),
                d.lane().id(),
                m.eventType(),
                text,
                m.key() != null && text == null ? Base64.getEncoder().encodeToString(m.key()) : null,
                m.origin().topic(),
                m.origin().partition(),
                m.origin().offset(),
                d.retry().attempt(),
                startedAt.toString(),
                outcome == null ? null : outcome.elapsed().toMillis(),
                status,
                outcome == null ? null : outcome.result().label,
                errorClass,
                verdict.label,
                reason);
    }

    public Instant started() {
        return Instant.parse(startedAt);
    }

    /** The key as an operator types it: the text, or the base64 of a key that is not text. */
    public String keyText() {
        return key != null ? key : keyBase64;
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an attempt record", e);
        }
    }

    /** @throws IOException when the bytes are not an attempt record */
    public static AttemptRecord fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, AttemptRecord.class);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
