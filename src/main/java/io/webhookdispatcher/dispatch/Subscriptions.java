package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The current set of subscriptions, as lanes. Reads are lock-free snapshots; {@link #replace} swaps in a
 * new config atomically for new deliveries (hot reload). Lanes are kept by id, so in-flight limits and
 * metrics carry over a reload.
 */
public final class Subscriptions {
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final Consumer<Lane> onNewLane;
    private volatile List<Lane> active = List.of();

    /** @param onNewLane called once per lane created, e.g. to register its metrics */
    public Subscriptions(List<Subscription> initial, Consumer<Lane> onNewLane) {
        this.onNewLane = onNewLane;
        replace(initial);
    }

    public synchronized void replace(List<Subscription> next) {
        var nextActive = new ArrayList<Lane>();
        var ids = new java.util.HashSet<String>();
        for (Subscription s : next) {
            ids.add(s.id());
            Lane lane = lanes.get(s.id());
            if (lane == null) {
                lane = new Lane(s);
                lanes.put(s.id(), lane);
                onNewLane.accept(lane);
            } else {
                lane.update(s);
            }
            if (s.enabled()) {
                nextActive.add(lane);
            }
        }
        lanes.values().stream().filter(l -> !ids.contains(l.id())).forEach(Lane::markRemoved);
        active = List.copyOf(nextActive);
    }

    /** Enabled lanes whose filters match, in config order. */
    public List<Lane> matching(EventType type) {
        List<Lane> snapshot = active;
        List<Lane> result = null;
        for (Lane lane : snapshot) {
            if (lane.subscription().wants(type)) {
                if (result == null) {
                    result = new ArrayList<>(snapshot.size());
                }
                result.add(lane);
            }
        }
        return result == null ? List.of() : result;
    }

    /** A lane by id, also one removed from the config (its retries still need a verdict). */
    public Optional<Lane> lane(String id) {
        return Optional.ofNullable(lanes.get(id));
    }

    public int enabledCount() {
        return active.size();
    }
}
