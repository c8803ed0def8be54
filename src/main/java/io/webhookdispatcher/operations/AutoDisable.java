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
 * <p>Each replica counts its own streak (the first unwell attempt after the last answer). A streak that lasts a
 * while ({@link #SHARE_AFTER}, or half of {@code autoDisableAfter} when shorter) is shared as
 * {@code subscription.failing} with its start, so a restart or another replica goes on from there; an answer seen
 * by any replica ends it ({@code subscription.recovered}). The first failure at or after {@code since +
 * autoDisableAfter} writes {@code subscription.disabled}, once for all replicas (compare-and-set, see
 * {@link OperationsTopic}). Every replica then dead-letters the subscription's deliveries as
 * {@code endpoint-disabled} and makes no attempt (so no probe) until {@code enable} or a changed config for it
 * writes {@code subscription.enabled}.
 */
public final class AutoDisable implements EndpointHealth {
    private static final Logger log = LoggerFactory.getLogger(AutoDisable.class);
    /** How long a local streak lasts before it is shared (bounds the topic's writes for a flapping endpoint). */
    static final Duration SHARE_AFTER = Duration.ofMinutes(1);

    /** The shared state and the writes to it; writes run on a thread of their own. */
    public interface Store {
        Optional<OperationRecord> state(String subscription);

        CompletableFuture<Boolean> writeIf(Predicate<Optional<OperationRecord>> condition, OperationRecord record);

        /** Runs a task on the store's thread (where records are applied). */
        void run(Runnable task);
    }

    /** One replica's view of a subscription's current failing streak; guarded by itself. */
    private static final class Streak {
        long since = -1;
        long failures;
        long deferred;
        Integer lastStatus;
        String lastError;
        boolean failingAsked;
        boolean disableAsked;
    }

    private final Subscriptions subscriptions;
    private final Store store;
    private final Clock clock;
    private final String instance;
    private final Map<String, Streak> streaks = new ConcurrentHashMap<>();
    private final Set<String> recoveringAsked = ConcurrentHashMap.newKeySet();

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

    @Override
    public void failed(Lane lane, long now, DeliveryOutcome outcome) {
        Optional<Duration> after = lane.subscription().autoDisableAfter();
        if (after.isEmpty() || lane.endpointDisabled()) {
            return;
        }
        String id = lane.id();
        Streak s = streaks.computeIfAbsent(id, k -> new Streak());
        Optional<OperationRecord> shared = store.state(id);
        OperationRecord ask = null;
        boolean disable = false;
        synchronized (s) {
            if (s.since < 0) {
                s.since = now;
            }
            s.failures++;
            if (outcome instanceof DeliveryOutcome.Retryable r) {
                s.lastStatus = r.failure().status() == 0 ? null : r.failure().status();
                s.lastError = r.failure().result().label;
            }
            long since = since(s.since, shared);
            long lasted = now - since;
            long limit = after.get().toMillis();
            if (lasted >= limit && !s.disableAsked) {
                s.disableAsked = true;
                disable = true;
                ask = record(OperationRecord.DISABLED, lane, since, s, after.get());
            } else if (!s.failingAsked
                    && shared.map(r -> !r.failing() && !r.disabled()).orElse(true)
                    && lasted >= Math.min(SHARE_AFTER.toMillis(), limit / 2)) {
                s.failingAsked = true;
                ask = record(OperationRecord.FAILING, lane, since, s, after.get());
            }
        }
        if (ask != null) {
            OperationRecord record = ask;
            boolean disabling = disable;
            Predicate<Optional<OperationRecord>> condition = disabling
                    ? state -> state.map(r -> !r.disabled()).orElse(true)
                    : state -> state.map(r -> !r.failing() && !r.disabled()).orElse(true);
            store.writeIf(condition, record).whenComplete((wrote, error) -> {
                if (error != null) {
                    log.warn("could not write {} for subscription {}; trying again", record.type(), id, error);
                    synchronized (s) {
                        if (disabling) {
                            s.disableAsked = false;
                        } else {
                            s.failingAsked = false;
                        }
                    }
                } else if (!wrote && disabling && !lane.endpointDisabled()) {
                    synchronized (s) {
                        s.disableAsked = false; // refused by a state that does not disable it here: ask again later
                    }
                } else if (wrote && disabling) {
                    log.warn(
                            "subscription {}: its endpoint has failed without a break since {} ({} failed attempts"
                                    + " and {} deferrals here, last {}): disabling it on every replica",
                            id,
                            record.since(),
                            record.failures(),
                            record.deferred(),
                            record.lastStatus() != null ? record.lastStatus() : record.lastError());
                }
            });
        }
    }

    @Override
    public void answered(Lane lane, long now) {
        String id = lane.id();
        Streak s = streaks.get(id);
        if (s != null) {
            synchronized (s) {
                if (!s.disableAsked) { // a late answer must not clear a disable under way
                    s.since = -1;
                    s.failures = 0;
                    s.deferred = 0;
                    s.failingAsked = false;
                }
            }
        }
        Optional<OperationRecord> shared = store.state(id);
        if (shared.isPresent() && shared.get().failing() && recoveringAsked.add(id)) {
            String failingAt = shared.get().at();
            store.writeIf(
                            state -> state.map(r -> r.failing() && r.at().equals(failingAt))
                                    .orElse(false),
                            OperationRecord.recovered(id, clock.instant(), instance))
                    .whenComplete((wrote, error) -> recoveringAsked.remove(id));
        }
    }

    @Override
    public void deferred(Lane lane) {
        Streak s = streaks.get(lane.id());
        if (s != null) {
            synchronized (s) {
                if (s.since >= 0) {
                    s.deferred++;
                }
            }
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
                enableForChangedConfig(record);
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
        } else if (record.type().equals(OperationRecord.ENABLED)) {
            streaks.remove(id);
            if (subscriptions.endpointDisabled(id, false)) {
                log.info("subscription {} is enabled again (by {})", id, record.by());
            }
        }
    }

    /** After a config reload: a disabled subscription whose endpoint settings changed is enabled again. */
    public void configChanged() {
        store.run(() -> subscriptions
                .all()
                .forEach(lane ->
                        store.state(lane.id()).filter(OperationRecord::disabled).ifPresent(this::apply)));
    }

    private void enableForChangedConfig(OperationRecord disabled) {
        String id = disabled.subscription();
        Lane lane = subscriptions.lane(id).orElseThrow();
        subscriptions.endpointDisabled(id, false);
        store.writeIf(
                        state -> state.map(r -> r.disabled() && r.at().equals(disabled.at()))
                                .orElse(false),
                        OperationRecord.enabled(
                                id, clock.instant(), lane.subscription().endpointFingerprint(), "config"))
                .whenComplete((wrote, error) -> {
                    if (Boolean.TRUE.equals(wrote)) {
                        log.info("subscription {} is enabled again: its config changed since it was disabled", id);
                    }
                });
    }

    /** When the streak began: the shared start if another replica (or a run before a restart) saw it first. */
    private static long since(long local, Optional<OperationRecord> shared) {
        if (shared.isEmpty()) {
            return local;
        }
        OperationRecord r = shared.get();
        if (r.failing()) {
            return Math.min(local, r.sinceInstant().map(Instant::toEpochMilli).orElse(local));
        }
        // recovered or enabled after this streak began: the streak counts from then
        return Math.max(local, r.atInstant().toEpochMilli());
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
