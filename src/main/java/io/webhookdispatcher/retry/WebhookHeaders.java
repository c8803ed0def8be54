package io.webhookdispatcher.retry;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Kafka header names on retry and dead-letter records (documented in docs/operations.md, "Failures: retries, dead letters, replay"). Values are UTF-8
 * text; times are ISO-8601 UTC. Never a secret.
 */
public final class WebhookHeaders {
    public static final String REASON = "webhook.reason";
    public static final String DETAIL = "webhook.detail";
    public static final String SUBSCRIPTION = "webhook.subscription";
    public static final String DELIVERY_ID = "webhook.delivery-id";
    /**
     * On a retry record for several subscriptions of one event deferred together, in place of {@link #SUBSCRIPTION}
     * and {@link #DELIVERY_ID}: {@code subscription:deliveryId} pairs, comma-separated. A dead letter carries it only
     * when the record could not be read (it is dead-lettered as it was).
     */
    public static final String SUBSCRIPTIONS = "webhook.subscriptions";

    public static final String EVENT_TYPE = "webhook.event-type";
    public static final String EVENT_TIME = "webhook.event-time";
    public static final String ATTEMPTS = "webhook.attempts";
    public static final String FIRST_ATTEMPT_AT = "webhook.first-attempt-at";
    public static final String LAST_ATTEMPT_AT = "webhook.last-attempt-at";
    public static final String DUE_AT = "webhook.due-at";
    /** Times the delivery was deferred (not attempted) since its last attempt; each deferral waits a step longer. */
    public static final String DEFERRALS = "webhook.deferrals";
    /** When it was first deferred (not attempted); with its first attempt, where its time budget runs from. */
    public static final String DEFERRED_SINCE = "webhook.deferred-since";
    /** Why it was last deferred: circuit-open, queue-full, slow or rate-limited. */
    public static final String DEFERRED_REASON = "webhook.deferred-reason";

    public static final String LAST_STATUS = "webhook.last-status";
    public static final String ERROR_CLASS = "webhook.error-class";
    public static final String ERROR_MESSAGE = "webhook.error-message";
    public static final String RESPONSE_BODY = "webhook.response-body";
    /** Set, to the value's size, when the value was too large to write and was left out. */
    public static final String VALUE_OMITTED = "webhook.value-omitted";

    public static final String ORIGINAL_TOPIC = "webhook.original-topic";
    public static final String ORIGINAL_PARTITION = "webhook.original-partition";
    public static final String ORIGINAL_OFFSET = "webhook.original-offset";
    public static final String ORIGINAL_TIMESTAMP = "webhook.original-timestamp";

    private WebhookHeaders() {}

    public static void put(Headers headers, String name, Object value) {
        if (value != null) {
            headers.add(name, value.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    public static Optional<String> get(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null
                ? Optional.empty()
                : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    }
}
