package io.webhookdispatcher.event;

import java.util.Optional;
import java.util.regex.Pattern;

/** A CRM event type, {@code object.action}: {@code person.created}, {@code workflowRun.updated}. */
public record EventType(String object, String action) {
    private static final Pattern NAME = Pattern.compile("([A-Za-z][A-Za-z0-9_]*)\\.([A-Za-z][A-Za-z0-9_]*)");

    public static Optional<EventType> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        var m = NAME.matcher(name);
        return m.matches() ? Optional.of(new EventType(m.group(1), m.group(2))) : Optional.empty();
    }

    @Override
    public String toString() {
        return object + "." + action;
    }
}
