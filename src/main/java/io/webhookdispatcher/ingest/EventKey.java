package io.webhookdispatcher.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Kafka key of an ingested event: the value at a source's {@code keyField} (by default {@code /record/id}, the
 * CRM record's id, so one record's events keep their order in one partition), else at {@code /workspaceId} (metadata
 * events carry no record), else none (Kafka then spreads the records). A string or a number counts; anything else
 * does not. Read in one streaming pass that also checks that the body is one JSON object with no repeated member names,
 * which the dispatcher would otherwise dead-letter later: such a body is refused at the door instead. Thread-safe.
 */
public final class EventKey {
    /** Where the key is taken from when the source's keyField is absent: the CRM's workspace id. */
    public static final String FALLBACK = "/workspaceId";

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String[] primary;
    private final String[] fallback;

    /** @throws IllegalArgumentException if {@code keyField} is not a JSON pointer into the event */
    public EventKey(String keyField) {
        this.primary = names(keyField);
        this.fallback = names(FALLBACK);
    }

    /** The body is no single JSON object, or one with repeated member names; its message never quotes the body. */
    public static final class InvalidBodyException extends Exception {
        InvalidBodyException(String message) {
            super(message);
        }
    }

    /** The key's UTF-8 bytes, or null for none. */
    public byte[] of(byte[] body) throws InvalidBodyException {
        String[] found = new String[2]; // at primary, at fallback
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidBodyException("not a JSON object");
            }
            JsonToken t = p.nextToken();
            while (t != null
                    && !(t == JsonToken.END_OBJECT && p.getParsingContext().inRoot())) {
                if (t.isScalarValue() && t != JsonToken.VALUE_NULL && !t.isBoolean()) {
                    look(p, found);
                }
                t = p.nextToken();
            }
            if (p.nextToken() != null) {
                throw new InvalidBodyException("more than one JSON value");
            }
        } catch (IOException e) { // a JsonProcessingException quotes no more than a token of the body: still not shown
            throw new InvalidBodyException("not valid JSON at byte " + offset(e));
        }
        String key = found[0] != null ? found[0] : found[1];
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    /** Keeps the value under the parser if it is the first at the primary or the fallback pointer. */
    private void look(JsonParser p, String[] found) throws IOException {
        JsonStreamContext where = p.getParsingContext();
        if (found[0] == null && at(where, primary)) {
            found[0] = p.getText();
        } else if (found[1] == null && at(where, fallback)) {
            found[1] = p.getText();
        }
    }

    /** Whether the value just read sits at {@code names} from the root (the pointer, member by member). */
    private static boolean at(JsonStreamContext context, String[] names) {
        JsonStreamContext c = context;
        for (int i = names.length - 1; i >= 0; i--) {
            if (c == null || !c.inObject() || !names[i].equals(c.getCurrentName())) {
                return false;
            }
            c = c.getParent();
        }
        return c != null && c.inRoot();
    }

    private static long offset(IOException e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                ? j.getLocation().getByteOffset()
                : -1;
    }

    private static String[] names(String pointer) {
        List<String> names = new ArrayList<>();
        for (JsonPointer p = JsonPointer.compile(pointer); !p.matches(); p = p.tail()) {
            names.add(p.getMatchingProperty());
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the empty pointer is the whole event, not a field of it");
        }
        return names.toArray(String[]::new);
    }
}
