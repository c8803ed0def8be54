package io.webhookdispatcher.operations;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.EndpointHealth;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscriptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disables a subscription whose endpoint has failed without a break for its {@code autoDisableAfter}, and applies
 * the operations topic's states to the lanes.
 *
 * <p>Each replica counts its own <i>streak</i>: from the first unwell attempt after its last answer. A streak
 * that has lasted a while ({@link #SHARE_AFTER}, or half of {@code autoDisableAfter} when shorter) is shared as
 * {@code subscription.failing} with its start, and refreshed every {@link #REFRESH} (or a quarter of
 * {@code autoDisableAfter}) while it lasts, so a restart or another replica goes on from there; a shared streak
 * not refreshed for two refresh periods (and a circuit's longest cool-down) is stale and counts for nothing. An
 * answer seen by any replica ends it ({@code subscription.recovered}). The first failure at or after {@code since
 * + autoDisableAfter} writes {@code subscription.disabled}, once for all replicas: every write is a compare-and-set
 * against the state it was decided on (see {@link OperationsTopic}), and a disable is dropped if an answer came
 * in meanwhile. Every replica then dead-letters the subscription's deliveries as {@code endpoint-disabled} and
 * makes no attempt (so no probe) until {@code enable}, a tombstone, or a changed config writes
 * {@code subscription.enabled}.
 */
public final class AutoDisable implements EndpointHealth {
    private static final Logger log = LoggerFactory.getLogger(AutoDisable.class);
    /** How long a local streak lasts before it is shared (bounds the topic's writes for a flapping endpoint). */
    static final Duration SHARE_AFTER = Duration.ofMinutes(1);
    /** How often a shared streak is refreshed while it lasts: the evidence that it is still unbroken. */
    static final Duration REFRESH = Duration.ofHours(1);

    /** The shared state and the writes to it; writes run on a thread of their own. */
    public interface Store {
        Optional<OperationRecord> state(String subscription);

        CompletableFuture<Boolean> writeIf(Predicate<Optional<OperationRecord>> condition, OperationRecord record);

        /** Runs a task on the store's thread (where records are applied). */
        void run(Runnable task);
    }

    /** One replica's view of a subscription's endpoint; guarded by itself, but for the two volatile fields. */
    private static final class Streak {
        volatile boolean failing; // since >= 0: lets an answer skip the lock while there is no streak
        final java.util.concurrent.atomic.AtomicLong lastAnswer = new java.util.concurrent.atomic.AtomicLong(-1);
        long since = -1;
        long failures;
        long deferred;
        Integer lastStatus;
        String lastError;
        boolean sharing; // a failing write is under way
        boolean disabling; // a disable write is under way

        /** Guarded by this: counts a failed attempt, the first after an answer starting the streak. */
        void failed(long now, DeliveryOutcome outcome) {
            if (since < 0) {
                since = now;
                failures = 0;
                deferred = 0;
                failing = true;
            }
            failures++;
            if (outcome instanceof DeliveryOutcome.Retryable r) {
                lastStatus = r.failure().status() == 0 ? null : r.failure().status();
                lastError = r.failure().result().label;
            }
        }

        /** An answer ends the streak; lock-free while there is none (the common case: a healthy endpoint). */
        void answered() {
            if (failing) {
                synchronized (this) {
                    since = -1;
                    failing = false;
                }
            }
        }

        /** A delivery deferred without an attempt (circuit open, slow) counts in the streak, if there is one. */
        void deferred() {
            if (failing) {
                synchronized (this) {
                    deferred++;
                }
            }
        }

        /**
         * Guarded by this: when the streak began. A recovery or enable written after this replica's streak began
         * restarts it, as does an answer here; the shared start counts if it is earlier and fresh (refreshed within
         * {@code stale} of this streak's start).
         */
        long since(Optional<OperationRecord> shared, long stale) {
            long answer = lastAnswer.get();
            since = Math.max(since, answer);
            if (shared.isEmpty()) {
                return since;
            }
            OperationRecord r = shared.get();
            long at = r.atInstant().toEpochMilli();
            if (!r.failing()) {
                since = Math.max(since, at); // kept: our own failing record will replace this one
                return since;
            }
            long sharedSince = r.sinceInstant().map(Instant::toEpochMilli).orElse(since);
            return at >= since - stale ? Math.max(Math.min(since, sharedSince), answer) : since;
        }

        /** A write of one kind is over (written or not): the next failure may decide on another. */
        synchronized void written(boolean disable) {
            if (disable) {
                disabling = false;
            } else {
                sharing = false;
            }
        }
    }

    private final Subscriptions subscriptions;
    private final Store store;
    private final Clock clock;
    private final String instance;
    private final Map<String, Streak> streaks = new ConcurrentHashMap<>();
    private final Set<String> recovering = ConcurrentHashMap.newKeySet();

    /** @param instance names this replica in what it writes ({@code by}) */
    public AutoDisable(Subscriptions subscriptions, Store store, Clock clock, String instance) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.instance = Objects.requireNonNull(instance, "instance");
    }

    /** Applies the states read at start-up, before any delivery: a disabled subscription stays disabled. */
    public void applyAll(Map<String, OperationRecord> states) {
        states.values().forEach(this::apply);
    }

    /**
     * <pre>
     *   count the failure in this replica's streak ──► decide: disable, share the streak, or nothing
     *        ──► write it if the shared state is still the one decided on ──► log a disable
     * </pre>
     */
    @Override
    public void failed(Lane lane, long now, DeliveryOutcome outcome) {
        Optional<Duration> after = lane.subscription().autoDisableAfter();
        if (after.isEmpty() || lane.endpointDisabled()) {
            return;
        }
        Streak s = streak(lane.id());
        Optional<OperationRecord> shared = store.state(lane.id());
        OperationRecord ask;
        synchronized (s) {
            s.failed(now, outcome);
            ask = decide(lane, s, shared, now, after.get());
        }
        if (ask != null) {
            write(s, shared, ask, now);
        }
    }

    /**
     * Guarded by s: the record this failure calls for, or null; a disable once the streak lasted
     * {@code autoDisableAfter}, else the streak shared once it lasted a while and no fresh share of it exists. The
     * one returned is marked under way in s, so a replica has at most one write of each kind at a time.
     */
    private OperationRecord decide(Lane lane, Streak s, Optional<OperationRecord> shared, long now, Duration after) {
        long limit = after.toMillis();
        long refresh = Math.min(REFRESH.toMillis(), Math.max(1, limit / 4));
        long stale =
                2 * refresh + lane.subscription().breaker().maxOpenDuration().toMillis();
        long since = s.since(shared, stale);
        long lasted = now - since;
        boolean sharedDisabled = shared.map(OperationRecord::disabled).orElse(false);
        if (lasted >= limit && !s.disabling && !sharedDisabled) {
            s.disabling = true;
            return record(OperationRecord.DISABLED, lane, since, s, after);
        }
        boolean sharedFresh = shared.map(r -> r.failing() && now - r.atInstant().toEpochMilli() < refresh)
                .orElse(false);
        if (lasted >= Math.min(SHARE_AFTER.toMillis(), limit / 2)
                && !s.sharing
                && !s.disabling
                && !sharedDisabled
                && !sharedFresh) {
            s.sharing = true;
            return record(OperationRecord.FAILING, lane, since, s, after);
        }
        return null;
    }

    /**
     * Writes what {@link #decide} asked for, only if nothing was written meanwhile and, for a disable, no answer came
     * in here since it was decided at {@code decided}.
     */
    private void write(Streak s, Optional<OperationRecord> shared, OperationRecord ask, long decided) {
        boolean disable = ask.disabled();
        OperationRecord seen = shared.orElse(null);
        Predicate<Optional<OperationRecord>> unchanged =
                state -> Objects.equals(state.orElse(null), seen) && (!disable || s.lastAnswer.get() < decided);
        store.writeIf(unchanged, ask).whenComplete((wrote, error) -> {
            s.written(disable);
            if (error != null) {
                log.warn(
                        "could not write {} for subscription {} ({}); deciding again at its next failure",
                        ask.type(),
                        ask.subscription(),
                        error.toString());
            } else if (wrote && disable) {
                log.warn(
                        "subscription {}: its endpoint has failed without a break since {} ({} failed attempts"
                                + " and {} deferrals seen here, last {}): disabled on every replica",
                        ask.subscription(),
                        ask.since(),
                        ask.failures(),
                        ask.deferred(),
                        ask.lastStatus() != null ? ask.lastStatus() : ask.lastError());
            }
        });
    }

    @Override
    public void answered(Lane lane, long now) {
        String id = lane.id();
        Streak s = streak(id);
        s.lastAnswer.accumulateAndGet(now, Math::max); // callbacks may arrive out of order
        s.answered();
        Optional<OperationRecord> shared = store.state(id);
        if (shared.isPresent() && startedBefore(shared.get(), now)) {
            recovered(id, now);
        }
    }

    /** A failing streak that began before {@code millis}: an answer then ends it. */
    private static boolean startedBefore(OperationRecord r, long millis) {
        return r.failing()
                && r.sinceInstant().map(i -> i.toEpochMilli() < millis).orElse(true);
    }

    /** Writes that the endpoint answered at {@code answeredAt}, unless the shared streak began after that. */
    private void recovered(String id, long answeredAt) {
        if (recovering.add(id)) {
            store.writeIf(
                            state -> state.filter(r -> startedBefore(r, answeredAt))
                                    .isPresent(),
                            OperationRecord.recovered(id, clock.instant(), instance))
                    .whenComplete((wrote, error) -> recovering.remove(id));
        }
    }

    @Override
    public void deferred(Lane lane) {
        Streak s = streaks.get(lane.id());
        if (s != null) {
            s.deferred();
        }
    }

    /** A record read from the topic (on the store's thread): disables or enables the lane it names. */
    public void apply(OperationRecord record) {
        String id = record.subscription();
        Optional<Lane> found = subscriptions.lane(id);
        if (found.isEmpty() || found.get().removed()) {
            return;
        }
        Lane lane = found.get();
        if (record.disabled()) {
            if (!Objects.equals(record.config(), lane.subscription().endpointFingerprint())) {
                enableForChangedConfig(record); // decided under another config: not ours to keep
            } else if (subscriptions.endpointDisabled(id, true)) {
                log.warn(
                        "subscription {} is disabled: its endpoint failed without a break from {} to {} (last {});"
                                + " its deliveries are dead-lettered with reason endpoint-disabled. Fix the endpoint,"
                                + " then run: webhook-dispatcher enable --subscription {} --config FILE (or change"
                                + " its config), and replay its dead letters",
                        id,
                        record.since(),
                        record.at(),
                        record.lastStatus() != null ? record.lastStatus() : record.lastError(),
                        id);
            }
        } else if (record.failing()) {
            Streak s = streaks.get(id);
            long answered = s == null ? -1 : s.lastAnswer.get();
            if (answered >= 0 && startedBefore(record, answered)) {
                recovered(id, answered); // another replica shares a streak this one saw broken
            }
        } else if (record.type().equals(OperationRecord.ENABLED)) {
            streaks.remove(id);
            if (subscriptions.endpointDisabled(id, false)) {
                log.info("subscription {} is enabled again (by {})", id, record.by());
            }
        }
    }

    /** After a config reload: a disabled subscription whose config changed is enabled again. */
    public void configChanged() {
        store.run(() -> subscriptions
                .all()
                .forEach(lane ->
                        store.state(lane.id()).filter(OperationRecord::disabled).ifPresent(this::apply)));
    }

    /** The admin API enabled {@code id}: if auto-disable disabled it, it is enabled again, on every replica. */
    public void enable(String id, String by) {
        store.run(() -> store.state(id)
                .filter(OperationRecord::disabled)
                .filter(d -> subscriptions.lane(id).isPresent())
                .ifPresent(disabled -> {
                    subscriptions.endpointDisabled(id, false);
                    String fingerprint =
                            subscriptions.lane(id).orElseThrow().subscription().endpointFingerprint();
                    store.writeIf(
                            state -> state.filter(disabled::equals).isPresent(),
                            OperationRecord.enabled(id, clock.instant(), fingerprint, by));
                    log.info("subscription {} is enabled again by {}", id, by);
                }));
    }

    private void enableForChangedConfig(OperationRecord disabled) {
        String id = disabled.subscription();
        Lane lane = subscriptions.lane(id).orElseThrow();
        subscriptions.endpointDisabled(id, false);
        store.writeIf(
                        state -> state.filter(disabled::equals).isPresent(),
                        OperationRecord.enabled(
                                id, clock.instant(), lane.subscription().endpointFingerprint(), "config"))
                .whenComplete((wrote, error) -> {
                    if (Boolean.TRUE.equals(wrote)) {
                        log.info("subscription {} is enabled again: its config changed since it was disabled", id);
                    }
                });
    }

    private Streak streak(String id) {
        Streak s = streaks.get(id);
        return s != null ? s : streaks.computeIfAbsent(id, k -> new Streak());
    }

    private OperationRecord record(String type, Lane lane, long since, Streak s, Duration after) {
        return new OperationRecord(
                type,
                lane.id(),
                clock.instant().toString(),
                Instant.ofEpochMilli(since).toString(),
                s.lastStatus,
                s.lastError,
                s.failures,
                s.deferred,
                after.toString(),
                lane.subscription().endpointFingerprint(),
                instance);
    }
}
