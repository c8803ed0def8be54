package io.webhookdispatcher.event;

import java.util.List;
import java.util.Optional;

/**
 * A CRM event type, {@code object.action}: a record event ({@code person.created}, {@code workflowRun.updated}), or a
 * metadata event {@code metadata.<name>.<action>} ({@code metadata.fieldMetadata.created}), whose {@code object} is
 * then {@code metadata.<name>}. Those are the two name forms the CRM's webhook job sends (the second since its
 * metadata webhooks); any other three-part name is not a type.
 */
public record EventType(String object, String action) {
    /** What a metadata event's name starts with; its object is this plus the metadata name. */
    static final String METADATA = "metadata.";

    static final String ANY = "*";

    /**
     * {@code [A-Za-z][A-Za-z0-9_]*} twice, joined by one dot, optionally after {@code metadata.}; empty for anything
     * else. Scanned by hand: it runs once per consumed event, and a regex matcher was 1% of the fan-out-1 benchmark's
     * samples.
     */
    public static Optional<EventType> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        // "metadata.created" is a record event of an object called metadata: only a third part makes it metadata
        int objectFrom = name.startsWith(METADATA) && dot >= METADATA.length() ? METADATA.length() : 0;
        if (!isIdentifier(name, objectFrom, dot) || !isIdentifier(name, dot + 1, name.length())) {
            return Optional.empty();
        }
        return Optional.of(new EventType(name.substring(0, dot), name.substring(dot + 1)));
    }

    /** Whether this is a metadata event, {@code metadata.<name>.<action>}. */
    public boolean metadata() {
        return object.startsWith(METADATA);
    }

    /**
     * The subscription patterns that match this type by the CRM's rules, most specific first: for {@code obj.op}
     * {@code obj.op}, {@code *.op}, {@code obj.*} and {@code *.*}; for {@code metadata.name.op}
     * {@code metadata.name.op}, {@code metadata.name.*}, {@code metadata.*.op}, {@code metadata.*.*} and {@code *.*}
     * (never {@code *.op}: {@code *.created} is about records). {@link EventMatching} adds the exclusion list.
     */
    public List<String> candidates() {
        if (metadata()) {
            return List.of(
                    toString(),
                    object + "." + ANY,
                    METADATA + ANY + "." + action,
                    METADATA + ANY + "." + ANY,
                    ANY + "." + ANY);
        }
        return List.of(toString(), ANY + "." + action, object + "." + ANY, ANY + "." + ANY);
    }

    private static boolean isIdentifier(String s, int from, int to) {
        if (from >= to || !isLetter(s.charAt(from))) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!isLetter(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    @Override
    public String toString() {
        return object + "." + action;
    }
}
