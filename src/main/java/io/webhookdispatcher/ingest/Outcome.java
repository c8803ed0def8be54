package io.webhookdispatcher.ingest;

import java.util.Arrays;
import java.util.List;

/**
 * What the ingest port answered, with its HTTP status and its {@code outcome} metrics label. Only {@link #ACCEPTED} is
 * 2xx, and only once the broker acknowledged the write: the CRM makes one attempt and logs a failure, so a 2xx must
 * never stand for an event that could still be lost. See docs/configuration.md#ingest for the table.
 */
public enum Outcome {
    /** Written to the events topic and acknowledged by every in-sync replica (acks=all). */
    ACCEPTED(200, "accepted"),
    /** Not JSON, not one object, or repeated member names: the dispatcher would only dead-letter it. */
    INVALID(400, "invalid"),
    /** No signature headers, malformed ones, or none of the source's secrets signed the body. */
    BAD_SIGNATURE(401, "bad_signature"),
    /**
     * Authentic, but its timestamp is more than 5 minutes off: a replay, or a clock that is off. 401, not 400: the
     * timestamp is part of what authenticates a request (as in the Standard Webhooks libraries), and the body is fine.
     */
    STALE(401, "stale_timestamp"),
    /** No such source, or a path other than {@code /ingest/{source}}. */
    UNKNOWN_SOURCE(404, "unknown_source"),
    /** A method other than POST. */
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    /** Longer than delivery.maxEventBytes: refused from its Content-Length, or once reading passes the limit. */
    TOO_LARGE(413, "too_large"),
    /** Too many bytes of bodies already held in memory by requests under way; try again. */
    BUSY(503, "busy"),
    /** The broker did not acknowledge the write in time, or refused it: it may or may not be on the topic. */
    UNAVAILABLE(503, "unavailable");

    public final int status;
    public final String label;

    Outcome(int status, String label) {
        this.status = status;
        this.label = label;
    }

    /** Every label: the bounded value set of the {@code outcome} label. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(o -> o.label).toList();
    }
}
