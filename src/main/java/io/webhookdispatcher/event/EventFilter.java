package io.webhookdispatcher.event;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of a subscription's {@code events} list, as the CRM's webhook {@code operations} are written:
 * {@code "*"} (which is {@code "*.*"}), {@code "object.*"}, {@code "*.action"} or {@code "object.action"} for record
 * events, and {@code "metadata.name.action"} with either part {@code *} for metadata events. Matching is exact and
 * case-sensitive, as the CRM's event names are ({@code workflowRun.updated}); which patterns an event reaches is
 * {@link EventType#candidates()}.
 *
 * @param object {@code person}, {@code metadata.fieldMetadata}, {@code metadata.*} or {@code *}
 */
public record EventFilter(String object, String action) {
    static final String ANY = EventType.ANY;
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
        boolean metadata = parts.length == 3 && parts[0].equals("metadata");
        if (!(parts.length == 2 || metadata)
                || !PART.matcher(parts[parts.length - 2]).matches()
                || !PART.matcher(parts[parts.length - 1]).matches()) {
            throw new IllegalArgumentException("'" + pattern + "' is not one of \"*\", \"*.*\", \"object.*\","
                    + " \"*.action\", \"object.action\", \"metadata.name.action\" (either part may be *)");
        }
        String object = metadata ? EventType.METADATA + parts[1] : parts[0];
        return new EventFilter(object, parts[parts.length - 1]);
    }

    /**
     * Whether the CRM would send {@code type} to a webhook with this operation, leaving out the exclusion list (a
     * search such as {@code replay --event} finds excluded types too; routing applies it: {@link EventMatching}).
     */
    public boolean matches(EventType type) {
        return type.candidates().contains(key());
    }

    /** The pattern as {@link EventType#candidates()} writes it: {@code "*"} is {@code *.*}. */
    public String key() {
        return object + "." + action;
    }

    /** The one type this filter matches, if it has no wildcard: {@code person.created}. */
    public Optional<String> exactType() {
        return object.contains(ANY) || action.equals(ANY) ? Optional.empty() : Optional.of(key());
    }

    @Override
    public String toString() {
        return object.equals(ANY) && action.equals(ANY) ? ANY : key();
    }
}
