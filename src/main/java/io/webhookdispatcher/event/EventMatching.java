package io.webhookdispatcher.event;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CRM's rule for which subscription patterns an event reaches: its {@link EventType#candidates() candidates},
 * except for the types on an exclusion list ({@code routing.exactOnly}), which reach only a pattern naming them
 * exactly. The CRM keeps {@code workflowRun.updated} there because a workflow run is updated on every step: a
 * {@code *.*}, {@code *.updated} or {@code workflowRun.*} webhook would be flooded by them.
 */
public final class EventMatching {
    /** The CRM's own exclusion list (its webhook job's, late 2026). */
    public static final List<EventType> CRM_EXACT_ONLY = List.of(new EventType("workflowRun", "updated"));

    /** The CRM's rules, with its own exclusion list. */
    public static final EventMatching CRM = new EventMatching(CRM_EXACT_ONLY);

    private final Set<String> exactOnly;

    public EventMatching(Collection<EventType> exactOnly) {
        this.exactOnly = exactOnly.stream().map(EventType::toString).collect(Collectors.toUnmodifiableSet());
    }

    /** The patterns {@code type} reaches: only its own name when it is on the exclusion list. */
    public List<String> candidates(EventType type) {
        Objects.requireNonNull(type, "type");
        String name = type.toString();
        return exactOnly.contains(name) ? List.of(name) : type.candidates();
    }

    /** Whether a subscription with {@code filter} among its {@code events} gets {@code type}. */
    public boolean matches(EventFilter filter, EventType type) {
        return candidates(type).contains(filter.key());
    }

    @Override
    public String toString() {
        return "EventMatching[exactOnly=" + exactOnly.stream().sorted().toList() + "]";
    }
}
