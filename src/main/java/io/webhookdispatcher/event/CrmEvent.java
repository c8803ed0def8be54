package io.webhookdispatcher.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * What the dispatcher needs from an event value: its type and when it happened. The value itself is
 * never re-serialised; receivers get the bytes as consumed.
 *
 * <p>Accepts the documented shape {@code {"event", "data", "timestamp"}} and the CRM's native names
 * {@code eventName} / {@code record} / {@code eventDate}.
 */
public record CrmEvent(EventType type, Instant occurredAt) {
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
     * and still rejects malformed JSON anywhere in the document. Duplicate names are rejected at every level:
     * parsers disagree on which one wins (this one routed on the first {@code event}, a receiver's
     * {@code JSON.parse} reads the last), and RFC 8259 leaves it undefined.
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
            var names = new Names();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                names.add(field);
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
                            skip(p, token);
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
                            skip(p, token);
                        }
                    }
                    default -> skip(p, token);
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
        if (name == null || name.isBlank()) {
            throw new InvalidEventException(Invalid.MISSING_EVENT_TYPE, "no string 'event' or 'eventName' field");
        }
        String eventName = name;
        EventType type = EventType.parse(eventName)
                .orElseThrow(
                        () -> new InvalidEventException(Invalid.INVALID_EVENT_TYPE, "event type is not object.action"));
        return new CrmEvent(type, parseTime(time));
    }

    /**
     * Reads past the value that starts with {@code token}, rejecting a repeated name in any object in it. Our own
     * check rather than Jackson's {@code STRICT_DUPLICATE_DETECTION}, whose set per object was 2% of the fan-out-1
     * benchmark's samples; nesting is bounded by the parser's {@code maxNestingDepth}.
     */
    private static void skip(JsonParser p, JsonToken token) throws IOException, InvalidEventException {
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
    private static final class Names {
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

    private static InvalidEventException aliased(String first, String second) {
        return new InvalidEventException(
                Invalid.DUPLICATE_KEY, "both '" + first + "' and '" + second + "', two names for one field");
    }

    private static Instant parseTime(String text) {
        if (text == null) {
            return null;
        }
        Instant fast = utcInstant(text);
        if (fast != null) {
            return fast;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * {@code 2026-12-01T10:00:00Z} or with a fraction of 1 to 9 digits ({@code …00.123Z}), the form the CRM
     * writes, without {@link Instant#parse}'s formatter, which was 10% of the events consumer's time in the
     * fan-out-1 benchmark; null for anything else (an offset, a leap second, a bad date), which
     * {@link Instant#parse} then decides. Same result as it for every text it accepts.
     */
    static Instant utcInstant(String t) {
        int n = t.length();
        if (n < 20
                || n > 30
                || t.charAt(n - 1) != 'Z'
                || t.charAt(4) != '-'
                || t.charAt(7) != '-'
                || t.charAt(10) != 'T'
                || t.charAt(13) != ':'
                || t.charAt(16) != ':') {
            return null;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 7);
        int day = digits(t, 8, 10);
        int hour = digits(t, 11, 13);
        int minute = digits(t, 14, 16);
        int second = digits(t, 17, 19);
        int nanos = 0;
        if (n > 20) {
            if (t.charAt(19) != '.' || n == 21) {
                return null;
            }
            int fraction = digits(t, 20, n - 1);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction * POWERS_OF_TEN[30 - n];
        } else if (t.charAt(19) != 'Z') {
            return null;
        }
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        long days;
        try {
            days = java.time.LocalDate.of(year, month, day).toEpochDay(); // checks the month and the day in it
        } catch (java.time.DateTimeException notADate) {
            return null;
        }
        return Instant.ofEpochSecond(days * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    /** 10^(9 - digits) for a fraction of 1 to 9 digits, by the text's length − 21. */
    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    /** The decimal number in {@code t[from, to)}, or −1 if any of it is not an ASCII digit. */
    private static int digits(String t, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
