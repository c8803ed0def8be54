package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.EventMatching;
import io.webhookdispatcher.event.EventType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The current set of subscriptions, as lanes. Reads are lock-free snapshots; {@link #replace} swaps in a
 * new config atomically for new deliveries (hot reload). Lanes are kept by id, so in-flight counts, circuit
 * state and metrics carry over a reload.
 */
public final class Subscriptions {
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final WebhookSender sender;
    private final Clock clock;
    private final Consumer<Lane> onNewLane;
    private final EventMatching matching;
    private volatile List<Lane> active = List.of();
    private volatile RoutingIndex index = RoutingIndex.EMPTY;
    private volatile int activeCount; // enabled and not auto-disabled
    private volatile Set<String> namedEventTypes = Set.of();
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param onNewLane called once per lane created, e.g. to register its metrics
     * @param matching  which subscription patterns an event type reaches ({@code routing.exactOnly})
     */
    public Subscriptions(
            List<Subscription> initial,
            WebhookSender sender,
            Clock clock,
            Consumer<Lane> onNewLane,
            EventMatching matching) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onNewLane = Objects.requireNonNull(onNewLane, "onNewLane");
        this.matching = Objects.requireNonNull(matching, "matching");
        replace(initial);
    }

    /** Matching as the CRM does, with its own exclusion list. */
    public Subscriptions(List<Subscription> initial, WebhookSender sender, Clock clock, Consumer<Lane> onNewLane) {
        this(initial, sender, clock, onNewLane, EventMatching.CRM);
    }

    /**
     * Counts changes to the lanes (a {@link #replace}, an auto-disable or enable): those who derive state from the
     * set of lanes, like the scheduler's fair shares, compare it with the one they derived it from.
     */
    public long version() {
        return version.get();
    }

    public void replace(List<Subscription> next) {
        synchronized (this) {
            var nextActive = new ArrayList<Lane>();
            var ids = new HashSet<String>();
            for (Subscription s : next) {
                ids.add(s.id());
                Lane lane = lanes.get(s.id());
                if (lane == null) {
                    lane = new Lane(s, sender.endpoint(s), clock.millis());
                    lanes.put(s.id(), lane);
                    onNewLane.accept(lane);
                } else if (lane.removed() || !lane.subscription().equals(s)) {
                    lane.update(s, sender.endpoint(s), clock.millis());
                }
                if (s.enabled()) {
                    nextActive.add(lane);
                }
            }
            lanes.values().stream().filter(l -> !ids.contains(l.id())).forEach(Lane::markRemoved);
            active = List.copyOf(nextActive);
            index = new RoutingIndex(active, matching);
            countActive();
            namedEventTypes = next.stream()
                    .flatMap(s -> s.events().stream())
                    .flatMap(f -> f.exactType().stream())
                    .collect(java.util.stream.Collectors.toUnmodifiableSet());
            version.incrementAndGet();
            sender.retain(next);
        }
    }

    /**
     * Enabled lanes whose {@code events} match by the CRM's rules ({@link EventMatching}), in config order: those without a {@code workspaceId}, and those of
     * {@code workspace} (null: the event names none). Costs what the matches cost, not what the other subscriptions do.
     */
    public List<Lane> matching(EventType type, String workspace) {
        return index.matching(type, workspace);
    }

    /** Enabled lanes whose filters match, for an event that names no workspace. */
    public List<Lane> matching(EventType type) {
        return matching(type, null);
    }

    /**
     * Auto-disables or re-enables a lane (the operations topic's state); false if there is no such lane or it is
     * already so. Its queued deliveries are abandoned by the scheduler's next pump ({@link #version} changes).
     */
    public boolean endpointDisabled(String id, boolean disabled) {
        Lane lane = lanes.get(id);
        if (lane == null || lane.endpointDisabled() == disabled) {
            return false;
        }
        lane.endpointDisabled(disabled);
        countActive();
        version.incrementAndGet();
        return true;
    }

    /** A lane by id, also one removed from the config (its retries still need a verdict). */
    public Optional<Lane> lane(String id) {
        return Optional.ofNullable(lanes.get(id));
    }

    /** Every lane ever configured, removed ones included. */
    public Collection<Lane> all() {
        return lanes.values();
    }

    /** The types some configured filter names without a wildcard (the bounded {@code event_type} label values). */
    public Set<String> namedEventTypes() {
        return namedEventTypes;
    }

    /** The lanes that may be sent to: enabled and not auto-disabled (what the permits are shared among). */
    public int activeCount() {
        return activeCount;
    }

    private synchronized void countActive() {
        activeCount = (int) active.stream().filter(Lane::active).count();
    }

    public int enabledCount() {
        return active.size();
    }
}
