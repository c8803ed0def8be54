package io.webhookdispatcher.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an event carries its workspace id ({@code tenancy.workspaceField}): a JSON pointer of object member names,
 * {@code /workspaceId} by default (the CRM's own field). Read during the one streaming pass that finds the event's
 * type, so it costs no second parse; the value counts only if it is a string.
 */
public final class WorkspaceField {
    /** No workspace is read (no subscription is scoped to one). */
    public static final WorkspaceField NONE = new WorkspaceField(new String[0]);

    private final String[] names;

    private WorkspaceField(String[] names) {
        this.names = names;
    }

    /** @throws IllegalArgumentException if {@code pointer} is not a JSON pointer into the event */
    public static WorkspaceField of(String pointer) {
        List<String> names = new ArrayList<>();
        for (JsonPointer p = JsonPointer.compile(pointer); !p.matches(); p = p.tail()) {
            names.add(p.getMatchingProperty());
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the empty pointer is the whole event, not a field of it");
        }
        return new WorkspaceField(names.toArray(String[]::new));
    }

    /** Whether a top-level member named {@code field} is (or contains) the workspace id. */
    boolean startsAt(String field) {
        return names.length > 0 && names[0].equals(field);
    }

    /** Reads past the value that starts with {@code token}, returning the workspace id in it at depth {@code depth}. */
    String read(JsonParser p, JsonToken token, int depth) throws IOException, CrmEvent.InvalidEventException {
        if (depth == names.length) {
            if (token == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            CrmEvent.skip(p, token);
            return null;
        }
        if (token != JsonToken.START_OBJECT) {
            CrmEvent.skip(p, token);
            return null;
        }
        String found = null;
        var seen = new CrmEvent.Names(); // repeated names are refused here as everywhere else
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            seen.add(field);
            JsonToken next = p.nextToken();
            if (field.equals(names[depth])) {
                found = read(p, next, depth + 1);
            } else {
                CrmEvent.skip(p, next);
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return names.length == 0 ? "(none)" : "/" + String.join("/", names);
    }
}
