package io.webhookdispatcher.operations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One operational event on {@code topics.operations}, as JSON keyed by the subscription id. The topic is
 * compacted: a subscription's last record is its state, shared by every replica and kept across restarts.
 *
 * <pre>
 *   subscription.failing    its endpoint has failed without a break since {@code since} (a replica saw it for a while)
 *   subscription.recovered  a replica saw it answer again
 *   subscription.disabled   failed for autoDisableAfter: deliveries are dead-lettered (endpoint-disabled)
 *   subscription.enabled    re-enabled: by the {@code enable} command or by a changed config ({@code by})
 * </pre>
 *
 * @param since       when the failing streak began (failing, disabled)
 * @param lastStatus  the last failed attempt's HTTP status, or null without a response
 * @param lastError   the last failed attempt's result class ({@code 5xx}, {@code timeout}, …)
 * @param failures    failed attempts in the streak seen by the writing replica
 * @param deferred    deliveries it deferred in that streak without an attempt (circuit open, slow)
 * @param config      {@code Subscription#endpointFingerprint} of the config the state was decided under
 * @param by          who wrote it: a host name, {@code cli}, or {@code config}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OperationRecord(
        String type,
        String subscription,
        String at,
        String since,
        Integer lastStatus,
        String lastError,
        Long failures,
        Long deferred,
        String autoDisableAfter,
        String config,
        String by) {
    public static final String FAILING = "subscription.failing";
    public static final String RECOVERED = "subscription.recovered";
    public static final String DISABLED = "subscription.disabled";
    public static final String ENABLED = "subscription.enabled";

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** @throws RuntimeException for a record without type, subscription or a valid {@code at} and {@code since} */
    public OperationRecord {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subscription, "subscription");
        Instant.parse(Objects.requireNonNull(at, "at")); // a record read from the topic is checked here, once
        if (since != null) {
            Instant.parse(since);
        }
    }

    public boolean disabled() {
        return type.equals(DISABLED);
    }

    public boolean failing() {
        return type.equals(FAILING);
    }

    /** When the failing streak began, for failing and disabled records. */
    public Optional<Instant> sinceInstant() {
        return Optional.ofNullable(since).map(Instant::parse);
    }

    public Instant atInstant() {
        return Instant.parse(at);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + this, e);
        }
    }

    /** The record, or empty for one this version cannot read (logged by the caller, never fatal). */
    public static Optional<OperationRecord> parse(byte[] json) {
        if (json == null) {
            return Optional.empty(); // a tombstone: no state
        }
        try {
            return Optional.of(JSON.readValue(json, OperationRecord.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static OperationRecord enabled(String subscription, Instant at, String config, String by) {
        return new OperationRecord(
                ENABLED, subscription, at.toString(), null, null, null, null, null, null, config, by);
    }

    /** What a tombstone (a record without a value) means: the subscription's state is cleared, so it is enabled. */
    static OperationRecord cleared(String subscription, Instant at) {
        return new OperationRecord(
                ENABLED, subscription, at.toString(), null, null, null, null, null, null, null, "tombstone");
    }

    static OperationRecord recovered(String subscription, Instant at, String by) {
        return new OperationRecord(
                RECOVERED, subscription, at.toString(), null, null, null, null, null, null, null, by);
    }
}
