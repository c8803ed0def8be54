package io.webhookdispatcher.metrics;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The bounded values of the {@code event_type} label: the types a configured filter names exactly, {@code other}
 * for every other type, or {@code all} alone without the label. Input cannot add series.
 */
final class EventTypeLabels {
    /** The one {@code event_type} with {@code metrics.eventTypeLabel: false}. */
    static final String ALL_EVENT_TYPES = "all";
    /** The {@code event_type} of every type no configured filter names exactly. */
    static final String OTHER_EVENT_TYPE = "other";
    /** Longer named types are {@code other} too: a label value is kept in memory and sent on every scrape. */
    static final int MAX_EVENT_TYPE_CHARS = 100;

    private final boolean enabled;
    /** The values allowed besides {@code other}; replaced on every config (re)load. */
    private volatile Set<String> named = Set.of();

    EventTypeLabels(boolean enabled) {
        this.enabled = enabled;
    }

    boolean enabled() {
        return enabled;
    }

    void named(Collection<String> types) {
        named = types.stream().filter(t -> t.length() <= MAX_EVENT_TYPE_CHARS).collect(Collectors.toUnmodifiableSet());
    }

    String label(String eventType) {
        if (!enabled) {
            return ALL_EVENT_TYPES;
        }
        return named.contains(eventType) ? eventType : OTHER_EVENT_TYPE;
    }
}
