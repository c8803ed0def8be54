package io.webhookdispatcher.admin;

import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the health endpoint says of a subscription's recent attempts, kept in memory per replica: the last attempt
 * (when, what it came to) and the share of the last {@link #WINDOW} attempts that were 2xx. An {@link AttemptLog}
 * around the delivery log's, told of every HTTP attempt; a few field writes under the subscription's own lock, so it
 * never holds a delivery up. Forgets nothing by itself: {@link #forget} when a subscription is deleted.
 */
public final class AttemptStats implements AttemptLog {
    static final int WINDOW = 100;

    private final AttemptLog next;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** @param next the delivery log, told of everything as before */
    public AttemptStats(AttemptLog next) {
        this.next = Objects.requireNonNull(next, "next");
    }

    /** The last attempt and the recent 2xx share; empty before the first attempt on this replica. */
    public record Summary(Instant lastAttemptAt, String lastResult, int lastStatus, double successRatio, int window) {}

    @Override
    public void record(Delivery delivery, DeliveryOutcome outcome, Instant startedAt, Verdict verdict, String reason) {
        if (outcome != null) {
            windows.computeIfAbsent(delivery.lane().id(), id -> new Window()).add(outcome, startedAt);
        }
        next.record(delivery, outcome, startedAt, verdict, reason);
    }

    public Optional<Summary> summary(String id) {
        Window w = windows.get(id);
        return w == null ? Optional.empty() : w.summary();
    }

    public void forget(String id) {
        windows.remove(id);
    }

    /** The last {@link #WINDOW} attempts' successes as a ring of bits. */
    private static final class Window {
        private final boolean[] success = new boolean[WINDOW];
        private int count;
        private int next;
        private Instant lastAt;
        private String lastResult;
        private int lastStatus;

        synchronized void add(DeliveryOutcome outcome, Instant at) {
            success[next] = outcome instanceof DeliveryOutcome.Delivered;
            next = (next + 1) % WINDOW;
            count = Math.min(WINDOW, count + 1);
            lastAt = at;
            lastResult = outcome.result().label;
            lastStatus = status(outcome);
        }

        private static int status(DeliveryOutcome outcome) {
            if (outcome instanceof DeliveryOutcome.Delivered d) {
                return d.status();
            }
            return outcome instanceof DeliveryOutcome.Retryable r
                    ? r.failure().status()
                    : ((DeliveryOutcome.Permanent) outcome).failure().status();
        }

        synchronized Optional<Summary> summary() {
            if (count == 0) {
                return Optional.empty();
            }
            int ok = 0;
            for (int i = 0; i < count; i++) {
                ok += success[i] ? 1 : 0;
            }
            return Optional.of(new Summary(lastAt, lastResult, lastStatus, (double) ok / count, count));
        }
    }
}
