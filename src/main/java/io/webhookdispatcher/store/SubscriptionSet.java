package io.webhookdispatcher.store;

import io.webhookdispatcher.dispatch.Subscription;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The running dispatcher's subscriptions from both sources: the config file's (replaced by a hot reload) and
 * {@code topics.subscriptions}' (replaced as the store reads changes), applied together through one
 * {@code replace}, so neither source's change undoes the other's. The file's come first, in its order, then the
 * topic's by id, the same on every replica. An id in both is the file's: the topic's is not applied and is reported
 * once, until the clash ends. Thread-safe: the config watcher and the store's thread both call it.
 */
public final class SubscriptionSet {
    private final Consumer<List<Subscription>> replace;
    private final StoreReport report;
    private List<Subscription> file;
    private Map<String, Subscription> stored = Map.of();
    private Set<String> clashing = Set.of();
    private int applied;

    /**
     * @param replace what makes a set of subscriptions the running one ({@code Subscriptions::replace})
     * @param file    the config file's subscriptions at start
     */
    public SubscriptionSet(Consumer<List<Subscription>> replace, List<Subscription> file, StoreReport report) {
        this.replace = Objects.requireNonNull(replace, "replace");
        this.report = Objects.requireNonNull(report, "report");
        this.file = List.copyOf(file);
    }

    /** A hot reload's subscriptions. */
    public synchronized void file(List<Subscription> next) {
        file = List.copyOf(next);
        apply();
    }

    /** The topic's usable subscriptions, by id. */
    public synchronized void stored(Map<String, Subscription> next) {
        stored = new TreeMap<>(next);
        apply();
    }

    /** The topic's subscriptions applied now (not those whose id the file has). */
    public synchronized int appliedFromTopic() {
        return applied;
    }

    /** The config file's subscriptions now. */
    public synchronized List<Subscription> file() {
        return file;
    }

    /** The ids of the config file's subscriptions, which the topic may not use. */
    public synchronized Set<String> fileIds() {
        var ids = new HashSet<String>();
        file.forEach(s -> ids.add(s.id()));
        return ids;
    }

    private void apply() {
        Set<String> fileIds = fileIds();
        var all = new ArrayList<>(file);
        var nowClashing = new HashSet<String>();
        stored.forEach((id, s) -> {
            if (fileIds.contains(id)) {
                nowClashing.add(id);
            } else {
                all.add(s);
            }
        });
        nowClashing.stream().filter(id -> !clashing.contains(id)).sorted().forEach(report::clashesWithFile);
        clashing = Set.copyOf(nowClashing);
        applied = all.size() - file.size();
        replace.accept(all);
    }
}
