package io.webhookdispatcher.app;

import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of the subscriptions. Polls the config file's content hash (a Kubernetes ConfigMap update
 * swaps a symlink, which file-change events miss), and applies a valid new config's subscriptions
 * atomically for new deliveries. An invalid file is rejected and the running config stays; changes
 * outside {@code subscriptions} are logged as needing a restart. The files the subscriptions read (TLS PEM files,
 * secret files) are polled with it: a change to one reloads the config, and so re-reads them; a rotated
 * Kubernetes Secret (also a symlink swap) applies without a restart. One that cannot be read or holds a bad
 * secret is a rejected reload like any other, and the last good settings stay. A rejected config is tried again
 * on every check, so a file that appears or is fixed later is picked up; the same errors are logged and counted
 * once.
 */
final class ConfigWatcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Path file;
    private final ConfigLoader loader;
    /** Makes the file's subscriptions the running ones (with topics.subscriptions': SubscriptionSet::file). */
    private final java.util.function.Consumer<List<Subscription>> apply;

    private final DispatcherMetrics metrics;
    /** Told after each applied reload (metrics of the named event types, auto-disable). */
    private final Runnable reloaded;

    private DispatcherConfig current;
    private byte[] hash;
    private List<String> rejected = List.of(); // the last reload's errors, empty once one succeeded

    ConfigWatcher(
            Path file,
            ConfigLoader loader,
            DispatcherConfig initial,
            java.util.function.Consumer<List<Subscription>> apply,
            DispatcherMetrics metrics,
            Runnable reloaded) {
        this.file = Objects.requireNonNull(file, "file");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.current = Objects.requireNonNull(initial, "initial");
        this.apply = Objects.requireNonNull(apply, "apply");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.reloaded = Objects.requireNonNull(reloaded, "reloaded");
        this.hash = hashOrNull();
    }

    /** One check; called every {@code reload.interval} on a single scheduler thread. */
    @Override
    public void run() {
        byte[] now = hashOrNull();
        if (now == null) {
            return;
        }
        boolean changed = !Arrays.equals(now, hash);
        if (!changed && rejected.isEmpty()) {
            return;
        }
        hash = now;
        DispatcherConfig next;
        try {
            next = loader.load(file);
        } catch (ConfigException e) {
            reject(e.errors(), changed);
            return;
        }
        // the new file was checked against its own delivery section, but the sender keeps the running one (its
        // changes need a restart): a reload that only the new section allows, e.g. requireHttps turned off, is refused
        List<String> refused = new ArrayList<>();
        for (Subscription s : next.subscriptions()) {
            current.delivery()
                    .destinations()
                    .refusal(s.url())
                    .ifPresent(why -> refused.add(file + ": subscriptions[" + s.id() + "].url: " + why
                            + " (by the running delivery settings; changes to them need a restart)"));
        }
        if (!refused.isEmpty()) {
            reject(refused, changed);
            return;
        }
        rejected = List.of();
        if (next.equals(current)) {
            return; // e.g. the set of secret files changed, so the hash did, but nothing else
        }
        if (!next.withoutSubscriptions().equals(current.withoutSubscriptions())) {
            log.warn(
                    "config changes outside 'subscriptions' ({}) need a restart to take effect",
                    changedSections(current, next));
        }
        apply.accept(next.subscriptions());
        var previous = current;
        current = current.withSubscriptions(next.subscriptions()); // applied: a revert of the file must be seen
        reloaded.run();
        metrics.configReload(true);
        log.info("config reloaded: {}", describeChange(previous.subscriptions(), next.subscriptions()));
    }

    /** Keeps the running config; the same errors on an unchanged file are logged and counted once. */
    private void reject(List<String> errors, boolean changed) {
        if (changed || !errors.equals(rejected)) {
            metrics.configReload(false);
            log.error("config reload rejected, the running config stays: {}", String.join("; ", errors));
        }
        rejected = errors;
    }

    /**
     * The config file's hash, and the files its subscriptions read (PEM files): a renewed certificate in a mounted
     * Secret reloads the subscriptions using it, with no change to the config itself.
     */
    private byte[] hashOrNull() {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            digest.update(Files.readAllBytes(file));
            for (Path referenced : referencedFiles()) {
                digest.update(referenced.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    digest.update(Files.readAllBytes(referenced));
                } catch (IOException gone) {
                    digest.update((byte) 0); // gone or unreadable: a change too; the reload then says why
                }
            }
            return digest.digest();
        } catch (IOException e) {
            log.warn("cannot read {} for reload: {}", file, e.toString()); // e.g. mid symlink swap: next tick
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Path> referencedFiles() {
        // after a reload that changes which files are read, the next check sees a new hash once: a no-op reload,
        // which run() skips silently
        return current.subscriptions().stream()
                .flatMap(s -> s.files().stream())
                .distinct()
                .toList();
    }

    static List<String> changedSections(DispatcherConfig a, DispatcherConfig b) {
        Map<String, Function<DispatcherConfig, Object>> sections = Map.of(
                "kafka",
                DispatcherConfig::kafka,
                "topics",
                DispatcherConfig::topics,
                "delivery",
                DispatcherConfig::delivery,
                "retry",
                DispatcherConfig::retry,
                "management",
                DispatcherConfig::management,
                "admin",
                DispatcherConfig::admin,
                "shutdown",
                DispatcherConfig::shutdown,
                "reload",
                DispatcherConfig::reload,
                "metrics",
                DispatcherConfig::metrics);
        var changed = new ArrayList<String>();
        sections.forEach((name, get) -> {
            if (!get.apply(a).equals(get.apply(b))) {
                changed.add(name);
            }
        });
        changed.sort(null);
        return changed;
    }

    static String describeChange(List<Subscription> before, List<Subscription> after) {
        Map<String, Subscription> old = before.stream().collect(Collectors.toMap(Subscription::id, s -> s));
        Map<String, Subscription> neu = after.stream().collect(Collectors.toMap(Subscription::id, s -> s));
        var added = neu.keySet().stream()
                .filter(id -> !old.containsKey(id))
                .sorted()
                .toList();
        var removed = old.keySet().stream()
                .filter(id -> !neu.containsKey(id))
                .sorted()
                .toList();
        var changed = neu.keySet().stream()
                .filter(id -> old.containsKey(id) && !old.get(id).equals(neu.get(id)))
                .sorted()
                .toList();
        return "added " + added + ", removed " + removed + ", changed " + changed;
    }
}
