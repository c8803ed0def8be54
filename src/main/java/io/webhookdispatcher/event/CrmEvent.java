package io.webhookdispatcher.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * What the dispatcher needs from an event value: its type, when it happened, and whose workspace it is (null when
 * the event has no such field). The value itself is never re-serialised; receivers get the bytes as consumed.
 *
 * <p>Accepts the three shapes of CRM events: the record events its webhook job sends ({@code eventName},
 * {@code objectMetadata}, {@code workspaceId}, {@code webhookId}, {@code eventDate}, {@code record},
 * {@code updatedFields}, and {@code userId} / {@code workspaceMemberId} when a user made the change); its metadata
 * events ({@code eventName} {@code metadata.<name>.<action>} beside an {@code event} <em>object</em>); and its docs
 * page's {@code {"event", "data", "timestamp"}}. The type is {@code eventName}, or {@code event} when that is a
 * string; every other field is skipped, its names still checked for repeats.
 */
public record CrmEvent(EventType type, Instant occurredAt, String workspaceId) {
    private static final JsonFactory JSON = new JsonFactory();
    /** Names an object may have before {@link Names} keeps them in a set instead of scanning a list. */
    private static final int SCANNED_NAMES = 16;

    /** Why a record cannot be dispatched; the value is the dead-letter reason header. */
    public enum Invalid {
        INVALID_JSON("invalid-json"),
        NOT_AN_OBJECT("not-an-object"),
        MISSING_EVENT_TYPE("missing-event-type"),
        INVALID_EVENT_TYPE("invalid-event-type"),
        TOO_LARGE("too-large"),
        DUPLICATE_KEY("duplicate-key"),
        INVALID_UTF8("invalid-utf8");

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
     * Checks the value is strict UTF-8 without a byte order mark, then streams through it once: reads the top-level type and time fields, skips everything else,
     * and still rejects malformed JSON anywhere in the document. Duplicate names are rejected at every level:
     * parsers disagree on which one wins (this one routed on the first {@code event}, a receiver's
     * {@code JSON.parse} reads the last), and RFC 8259 leaves it undefined.
     */
    public static CrmEvent parse(byte[] value, int maxBytes) throws InvalidEventException {
        return parse(value, maxBytes, WorkspaceField.NONE);
    }

    /** As {@link #parse(byte[], int)}, also reading the workspace id at {@code workspace} (a string, else null). */
    public static CrmEvent parse(byte[] value, int maxBytes, WorkspaceField workspace) throws InvalidEventException {
        if (value.length > maxBytes) {
            throw new InvalidEventException(Invalid.TOO_LARGE, value.length + " bytes > limit " + maxBytes);
        }
        requireStrictUtf8(value);
        var type = new TypeFields();
        String time = null;
        String timeField = null;
        String workspaceId = null;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException(Invalid.NOT_AN_OBJECT, "value is not a JSON object");
            }
            var names = new Names();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                names.add(field);
                JsonToken token = p.nextToken();
                switch (field) {
                    case "eventName" -> type.eventName(stringOrSkip(p, token));
                    case "event" -> type.event(token == JsonToken.START_OBJECT, stringOrSkip(p, token));
                    case "timestamp", "eventDate" -> {
                        requireFirst(timeField, field);
                        timeField = field;
                        time = stringOrSkip(p, token);
                    }
                    default -> {
                        if (workspace.startsAt(field)) {
                            workspaceId = workspace.read(p, token, 1);
                        } else {
                            skip(p, token);
                        }
                    }
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidEventException(Invalid.INVALID_JSON, "trailing content after the JSON object");
            }
        } catch (IOException e) {
            throw new InvalidEventException(
                    Invalid.INVALID_JSON,
                    e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
        }
        String name = type.name();
        if (name == null || name.isBlank()) {
            throw new InvalidEventException(Invalid.MISSING_EVENT_TYPE, "no string 'event' or 'eventName' field");
        }
        EventType eventType = EventType.parse(name)
                .orElseThrow(() -> new InvalidEventException(
                        Invalid.INVALID_EVENT_TYPE, "event type is not object.action or metadata.name.action"));
        return new CrmEvent(eventType, EventTime.parse(time), workspaceId);
    }

    /**
     * Refuses what the lenient JSON parser would decode to other text than a receiver does (the body is POSTed as
     * consumed, so the type routed on must be the one the receiver reads): any ill-formed UTF-8, and a byte order
     * mark, which the parser skips but many receivers' parsers refuse (refused, not stripped: stripping would change
     * the signed bytes).
     */
    private static void requireStrictUtf8(byte[] value) throws InvalidEventException {
        if (Utf8.startsWithBom(value)) {
            throw new InvalidEventException(
                    Invalid.INVALID_JSON, "a UTF-8 byte order mark before the JSON object (RFC 8259 8.1)");
        }
        int invalid = Utf8.firstInvalid(value);
        if (invalid >= 0) {
            throw new InvalidEventException(
                    Invalid.INVALID_UTF8,
                    "ill-formed UTF-8 at byte " + invalid + " (0x" + Integer.toHexString(value[invalid] & 0xFF) + ")");
        }
    }

    /**
     * Reads past the value that starts with {@code token}, rejecting a repeated name in any object in it. Our own
     * check rather than Jackson's {@code STRICT_DUPLICATE_DETECTION}, whose set per object was 2% of the fan-out-1
     * benchmark's samples; nesting is bounded by the parser's {@code maxNestingDepth}.
     */
    static void skip(JsonParser p, JsonToken token) throws IOException, InvalidEventException {
        if (token == JsonToken.START_OBJECT) {
            var names = new Names();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                names.add(p.currentName());
                skip(p, p.nextToken());
            }
        } else if (token == JsonToken.START_ARRAY) {
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
                skip(p, t);
            }
        }
    }

    /** One object's names so far: scanned while few (most objects), a set past {@link #SCANNED_NAMES}. */
    static final class Names {
        private String[] few; // made with the first name: an empty object costs nothing
        private int size;
        private Set<String> many;

        void add(String name) throws InvalidEventException {
            if (many != null) {
                if (!many.add(name)) {
                    throw duplicate(name);
                }
                return;
            }
            if (few == null) {
                few = new String[SCANNED_NAMES];
            }
            for (int i = 0; i < size; i++) {
                if (few[i].equals(name)) {
                    throw duplicate(name);
                }
            }
            if (size < few.length) {
                few[size++] = name;
            } else {
                many = new HashSet<>(Arrays.asList(few));
                many.add(name);
            }
        }

        private static InvalidEventException duplicate(String name) {
            return new InvalidEventException(Invalid.DUPLICATE_KEY, "Duplicate field '" + name + "'");
        }
    }

    /**
     * The event's {@code eventName} and {@code event} as read, in either order, and which of them is its type. The
     * CRM's metadata events carry both, {@code event} an object (the change itself): then {@code eventName} is the
     * type. Two names for the type that disagree are refused like a repeated name (a receiver may read the other one
     * than we routed on), and so is a non-object {@code event} that is no string beside an {@code eventName}.
     */
    private static final class TypeFields {
        private String first; // the field read first, for the message
        private boolean hasEventName;
        private String eventName;
        private boolean hasEvent;
        private boolean eventIsObject;
        private String eventText;

        void eventName(String text) {
            first = first == null ? "eventName" : first;
            hasEventName = true;
            eventName = text;
        }

        void event(boolean object, String text) {
            first = first == null ? "event" : first;
            hasEvent = true;
            eventIsObject = object;
            eventText = text;
        }

        /** The type's name (null if neither is a string). */
        String name() throws InvalidEventException {
            if (!hasEventName || !hasEvent) {
                return hasEventName ? eventName : eventText;
            }
            if (eventIsObject) {
                return eventName; // the metadata shape
            }
            if (eventName != null && eventName.equals(eventText)) {
                return eventName;
            }
            String second = first.equals("event") ? "eventName" : "event";
            throw new InvalidEventException(
                    Invalid.DUPLICATE_KEY,
                    "both '" + first + "' and '" + second + "', two names for one field, and they disagree");
        }
    }

    /**
     * Both names of one field in one event ({@code timestamp} and {@code eventDate}) are refused like a repeated name:
     * a receiver may read the other one than we routed on.
     *
     * @param seen the name this field was already read under, or null
     */
    private static void requireFirst(String seen, String field) throws InvalidEventException {
        if (seen != null) {
            throw new InvalidEventException(
                    Invalid.DUPLICATE_KEY, "both '" + seen + "' and '" + field + "', two names for one field");
        }
    }

    /** The value's text if it is a string; otherwise null, after reading past it (and checking its names). */
    private static String stringOrSkip(JsonParser p, JsonToken token) throws IOException, InvalidEventException {
        if (token == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        skip(p, token);
        return null;
    }
}
