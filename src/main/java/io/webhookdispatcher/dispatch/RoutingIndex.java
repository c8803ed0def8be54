package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.EventMatching;
import io.webhookdispatcher.event.EventType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which enabled lanes an event goes to, found without looking at any other lane: first by workspace (the event's
 * workspace's own lanes, plus the lanes of subscriptions without a {@code workspaceId}), then by the CRM's own
 * matching ({@link EventMatching}): its type's candidate patterns, for {@code object.action} the four
 * {@code object.action}, {@code *.action}, {@code object.*} and {@code *.*} ({@code "*"} is {@code *.*}), for a
 * metadata event its five {@code metadata.…} ones, for a type on the exclusion list its own name only, are looked
 * up by pattern. An event costs at most five map lookups per scope plus its matches, however many subscriptions
 * exist. Immutable: a change to the subscriptions builds a new one.
 */
final class RoutingIndex {
    static final RoutingIndex EMPTY = new RoutingIndex(List.of(), EventMatching.CRM);

    private final EventMatching matching;
    private final Patterns unscoped;
    private final Map<String, Patterns> byWorkspace;

    /**
     * @param lanes    the enabled lanes, in config order (the order an event's deliveries are submitted in)
     * @param matching which patterns an event type reaches
     */
    RoutingIndex(List<Lane> lanes, EventMatching matching) {
        this.matching = matching;
        var unscopedLanes = new ArrayList<Lane>();
        var workspaces = new HashMap<String, List<Lane>>();
        for (Lane lane : lanes) {
            lane.subscription()
                    .workspaceId()
                    .ifPresentOrElse(
                            w -> workspaces
                                    .computeIfAbsent(w, k -> new ArrayList<>())
                                    .add(lane),
                            () -> unscopedLanes.add(lane));
        }
        var order = new HashMap<Lane, Integer>();
        for (int i = 0; i < lanes.size(); i++) {
            order.put(lanes.get(i), i);
        }
        this.unscoped = new Patterns(unscopedLanes, order);
        this.byWorkspace = new HashMap<>();
        workspaces.forEach((w, scoped) -> byWorkspace.put(w, new Patterns(scoped, order)));
    }

    /** The lanes whose {@code events} match, in config order; {@code workspace} null: only the unscoped lanes. */
    List<Lane> matching(EventType type, String workspace) {
        Patterns own = workspace == null ? null : byWorkspace.get(workspace);
        List<String> candidates = matching.candidates(type);
        List<Lane> result = unscoped.matching(candidates, null);
        return own == null ? result : own.matching(candidates, result);
    }

    /** How many workspaces have subscriptions. */
    int workspaces() {
        return byWorkspace.size();
    }

    /** One scope's lanes by pattern. */
    private static final class Patterns {
        private final Map<String, Lane[]> lanes = new HashMap<>();
        private final Map<Lane, Integer> order; // shared by every scope: config order

        Patterns(List<Lane> scope, Map<Lane, Integer> order) {
            this.order = order;
            var byPattern = new HashMap<String, List<Lane>>();
            for (Lane lane : scope) {
                for (EventFilter filter : lane.subscription().events()) {
                    List<Lane> list = byPattern.computeIfAbsent(filter.key(), k -> new ArrayList<>());
                    if (list.isEmpty() || list.get(list.size() - 1) != lane) {
                        list.add(lane);
                    }
                }
            }
            byPattern.forEach((pattern, list) -> lanes.put(pattern, list.toArray(Lane[]::new)));
        }

        /**
         * Adds this scope's lanes under {@code candidates} to {@code before} (another scope's, or null), in config
         * order, each lane once.
         */
        List<Lane> matching(List<String> candidates, List<Lane> before) {
            if (lanes.isEmpty()) {
                return before == null ? List.of() : before;
            }
            List<Lane> result = before == null ? List.of() : before;
            int sources = before == null || before.isEmpty() ? 0 : 1;
            for (String candidate : candidates) {
                Lane[] some = lanes.get(candidate);
                if (some == null) {
                    continue;
                }
                if (sources++ == 0) {
                    result = Collections.unmodifiableList(Arrays.asList(some)); // the common case: no copy, no sort
                } else {
                    if (sources == 2) {
                        result = new ArrayList<>(result);
                    }
                    result.addAll(Arrays.asList(some));
                }
            }
            if (sources > 1) { // a lane may match by more than one of its patterns; the scopes share no lane
                result.sort(Comparator.comparingInt(order::get));
                dedupe(result);
            }
            return result;
        }

        private static void dedupe(List<Lane> sorted) {
            int kept = 0;
            for (int i = 0; i < sorted.size(); i++) {
                if (kept == 0 || sorted.get(kept - 1) != sorted.get(i)) {
                    sorted.set(kept++, sorted.get(i));
                }
            }
            sorted.subList(kept, sorted.size()).clear();
        }
    }
}
