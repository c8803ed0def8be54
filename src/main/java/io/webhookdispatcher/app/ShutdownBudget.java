package io.webhookdispatcher.app;

import java.time.Duration;

/**
 * How {@code shutdown.timeout} is spent, so that the whole graceful stop fits in it (and in the pod's grace
 * period, which the chart makes 10 s longer):
 *
 * <pre>
 *   SIGTERM: stop polling ─► drain started work, all loops at once ─► final commits ─► close sender, producer, consumers
 *            |◄──────────── drainTimeout = timeout − reserve ─────────────►|◄──── reserve: ¼ of it, at most 5 s ────►|
 * </pre>
 *
 * The drain bound is also what a revoked partition's started work gets during a rebalance.
 */
final class ShutdownBudget {
    /** At most this much of the timeout is kept back from the drain, for the commits and closing the clients. */
    static final Duration MAX_RESERVE = Duration.ofSeconds(5);

    private final long deadlineNanos;
    private final long startNanos;

    private ShutdownBudget(long startNanos, Duration timeout) {
        this.startNanos = startNanos;
        this.deadlineNanos = startNanos + timeout.toNanos();
    }

    static ShutdownBudget start(Duration timeout) {
        return new ShutdownBudget(System.nanoTime(), timeout);
    }

    /** How long the loops may wait for started work: the timeout less a quarter of it, at most 5 s. */
    static Duration drainTimeout(Duration timeout) {
        Duration reserve = timeout.dividedBy(4);
        return timeout.minus(reserve.compareTo(MAX_RESERVE) > 0 ? MAX_RESERVE : reserve);
    }

    /** Time left until the deadline, never negative. */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    /** An even share of what is left, for one of {@code steps} closing steps still to come. */
    Duration share(int steps) {
        return remaining().dividedBy(Math.max(1, steps));
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
