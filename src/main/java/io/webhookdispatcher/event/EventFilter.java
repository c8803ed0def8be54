package io.webhookdispatcher.event;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of a subscription's {@code events} list: {@code "*"}, {@code "*.*"}, {@code "object.*"},
 * {@code "*.action"} or {@code "object.action"}. Matching is exact and case-sensitive, as the CRM's
 * event names are ({@code workflowRun.updated}).
 */
public record EventFilter(String object, String action) {
    static final String ANY = "*";
    private static final Pattern PART = Pattern.compile("\\*|[A-Za-z][A-Za-z0-9_]*");

    public EventFilter {
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(action, "action");
    }

    /** @throws IllegalArgumentException naming what is wrong with the pattern */
    public static EventFilter parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        if (pattern.equals(ANY)) {
            return new EventFilter(ANY, ANY);
        }
        String[] parts = pattern.split("\\.", -1);
        if (parts.length != 2
                || !PART.matcher(parts[0]).matches()
                || !PART.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException(
                    "'" + pattern + "' is not one of \"*\", \"*.*\", \"object.*\", \"*.action\", \"object.action\"");
        }
        return new EventFilter(parts[0], parts[1]);
    }

    public boolean matches(EventType type) {
        return (object.equals(ANY) || object.equals(type.object()))
                && (action.equals(ANY) || action.equals(type.action()));
    }

    /** The one type this filter matches, if it has no wildcard: {@code person.created}. */
    public java.util.Optional<String> exactType() {
        return object.equals(ANY) || action.equals(ANY)
                ? java.util.Optional.empty()
                : java.util.Optional.of(object + "." + action);
    }

    @Override
    public String toString() {
        return object.equals(ANY) && action.equals(ANY) ? ANY : object + "." + action;
    }
}
