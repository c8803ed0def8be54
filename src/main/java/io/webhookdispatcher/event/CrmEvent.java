package io.webhookdispatcher.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * What the dispatcher needs from an event value: its type and when it happened. The value itself is
 * never re-serialised; receivers get the bytes as consumed.
 *
 * <p>Accepts the documented shape {@code {"event", "data", "timestamp"}} and the CRM's native names
 * {@code eventName} / {@code record} / {@code eventDate}.
 */
public record CrmEvent(EventType type, Instant occurredAt) {
    /**
     * Duplicate names are rejected at every level: parsers disagree on which one wins (this one routed on the
     * first {@code event}, a receiver's {@code JSON.parse} reads the last), and RFC 8259 leaves it undefined.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** Jackson's message for a repeated name; pinned by CrmEventTest so an upgrade that changes it is noticed. */
    private static final String DUPLICATE_MESSAGE = "Duplicate field '";

    /** Why a record cannot be dispatched; the value is the dead-letter reason header. */
    public enum Invalid {
        INVALID_JSON("invalid-json"),
        NOT_AN_OBJECT("not-an-object"),
        MISSING_EVENT_TYPE("missing-event-type"),
        INVALID_EVENT_TYPE("invalid-event-type"),
        TOO_LARGE("too-large"),
        DUPLICATE_KEY("duplicate-key");

        public final String reason;

        Invalid(String reason) {
            this.reason = reason;
        }
    }

    /** Thrown by {@link #parse}; carries the classification, not a stack trace worth logging. */
    public static final class InvalidEventException extends Exception {
        private final Invalid kind;

        InvalidEventException(Invalid kind, String detail) {
            super(detail, null, false, false);
            this.kind = kind;
        }

        public Invalid kind() {
            return kind;
        }
    }

    /**
     * Streams through the value once: reads the top-level type and time fields, skips everything else,
     * and still rejects malformed JSON anywhere in the document.
     */
    public static CrmEvent parse(byte[] value, int maxBytes) throws InvalidEventException {
        if (value.length > maxBytes) {
            throw new InvalidEventException(Invalid.TOO_LARGE, value.length + " bytes > limit " + maxBytes);
        }
        String name = null;
        String time = null;
        String typeField = null;
        String timeField = null;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException(Invalid.NOT_AN_OBJECT, "value is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                switch (field) {
                    case "event", "eventName" -> {
                        // both names in one event: a receiver may read the other one than we routed on
                        if (typeField != null) {
                            throw aliased(typeField, field);
                        }
                        typeField = field;
                        if (token == JsonToken.VALUE_STRING) {
                            name = p.getText();
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "timestamp", "eventDate" -> {
                        if (timeField != null) {
                            throw aliased(timeField, field);
                        }
                        timeField = field;
                        if (token == JsonToken.VALUE_STRING) {
                            time = p.getText();
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidEventException(Invalid.INVALID_JSON, "trailing content after the JSON object");
            }
        } catch (IOException e) {
            String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new InvalidEventException(
                    message != null && message.startsWith(DUPLICATE_MESSAGE)
                            ? Invalid.DUPLICATE_KEY
                            : Invalid.INVALID_JSON,
                    message);
        }
        if (name == null || name.isBlank()) {
            throw new InvalidEventException(Invalid.MISSING_EVENT_TYPE, "no string 'event' or 'eventName' field");
        }
        String eventName = name;
        EventType type = EventType.parse(eventName)
                .orElseThrow(
                        () -> new InvalidEventException(Invalid.INVALID_EVENT_TYPE, "event type is not object.action"));
        return new CrmEvent(type, parseTime(time));
    }

    private static InvalidEventException aliased(String first, String second) {
        return new InvalidEventException(
                Invalid.DUPLICATE_KEY, "both '" + first + "' and '" + second + "', two names for one field");
    }

    private static Instant parseTime(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
