package io.webhookdispatcher.dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * One subscription's circuit breaker, a pure state machine over a clock in milliseconds. Not thread-safe: the
 * scheduler calls it under its lock.
 *
 * <pre>
 *   CLOSED ──failureThreshold consecutive failures, or failureRatio of the last window──► OPEN
 *   OPEN ──cool-down over (openDuration, doubled per failed probe up to maxOpenDuration)──► HALF_OPEN
 *   HALF_OPEN ──its one probe succeeds──► CLOSED        HALF_OPEN ──the probe fails──► OPEN
 * </pre>
 *
 * While it is OPEN, or HALF_OPEN with its probe under way, no attempt is made: deliveries are deferred to the
 * retry path without using an attempt or a permit. Failures are what say the endpoint is unwell: timeouts,
 * connection and TLS errors, 5xx and 429. Any other answer (2xx, 3xx, 4xx) shows the endpoint is up.
 */
public final class CircuitBreaker {

    public enum State {
        CLOSED(0),
        HALF_OPEN(1),
        OPEN(2);

        /** The value of {@code webhook_circuit_state}. */
        public final int gauge;

        State(int gauge) {
            this.gauge = gauge;
        }
    }

    /**
     * @param window         attempts in the sliding window for the ratio
     * @param minimumAttempts the ratio applies once the window holds this many attempts
     */
    public record Settings(
            boolean enabled,
            int failureThreshold,
            double failureRatio,
            int window,
            int minimumAttempts,
            Duration openDuration,
            Duration maxOpenDuration) {
        public static final Settings DEFAULTS =
                new Settings(true, 5, 0.5, 50, 20, Duration.ofSeconds(5), Duration.ofMinutes(5));

        public Settings {
            Objects.requireNonNull(openDuration, "openDuration");
            Objects.requireNonNull(maxOpenDuration, "maxOpenDuration");
            if (failureThreshold < 1
                    || window < 1
                    || minimumAttempts < 1
                    || minimumAttempts > window
                    || !(failureRatio > 0 && failureRatio <= 1)
                    || openDuration.isNegative()
                    || openDuration.isZero()
                    || maxOpenDuration.compareTo(openDuration) < 0) {
                throw new IllegalArgumentException("invalid circuit breaker settings " + this);
            }
        }
    }

    /** A change of state, for the log line and the metric; {@code why} explains an opening. */
    public record Transition(State from, State to, String why, Duration openFor) {}

    private final Settings settings;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private final boolean[] window;
    private int windowNext;
    private int windowSize;
    private int windowFailures;
    private long openUntil;
    private long openMillis;
    private boolean probeUnderWay;

    public CircuitBreaker(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.window = new boolean[settings.window()];
        this.openMillis = settings.openDuration().toMillis();
    }

    public Settings settings() {
        return settings;
    }

    /** The state at {@code now}; an OPEN circuit whose cool-down is over reads as HALF_OPEN. */
    public State state(long now) {
        return state == State.OPEN && now >= openUntil ? State.HALF_OPEN : state;
    }

    /** Whether deliveries must be deferred now instead of attempted. */
    public boolean rejecting(long now) {
        if (!settings.enabled()) {
            return false;
        }
        State s = state(now);
        return s == State.OPEN || (s == State.HALF_OPEN && probeUnderWay);
    }

    /** How long until an attempt may be made again (0 when it may now). */
    public long millisUntilProbe(long now) {
        return state == State.OPEN ? Math.max(0, openUntil - now) : 0;
    }

    /** Whether an attempt starting now would be the half-open circuit's probe. */
    public boolean probing(long now) {
        return settings.enabled() && state(now) == State.HALF_OPEN && !probeUnderWay;
    }

    /**
     * An attempt is about to start ({@link #rejecting} was false). In HALF_OPEN it is the probe; returns the
     * OPEN → HALF_OPEN transition when this start makes it, otherwise null.
     */
    public Transition starting(long now) {
        if (!probing(now)) {
            return null;
        }
        probeUnderWay = true;
        if (state == State.OPEN) {
            state = State.HALF_OPEN;
            return new Transition(State.OPEN, State.HALF_OPEN, "cool-down over, probing", null);
        }
        return null;
    }

    /**
     * An attempt ended; returns the transition it caused, or null. Only the probe's own result decides a
     * half-open circuit: an attempt that started before the circuit opened changes nothing.
     */
    public Transition record(boolean failure, boolean probe, long now) {
        if (!settings.enabled()) {
            return null;
        }
        if (probe && state == State.HALF_OPEN) {
            probeUnderWay = false;
            if (failure) {
                openMillis = Math.min(openMillis * 2, settings.maxOpenDuration().toMillis());
                return open(now, "probe failed");
            }
            state = State.CLOSED;
            openMillis = settings.openDuration().toMillis();
            resetCounts();
            return new Transition(State.HALF_OPEN, State.CLOSED, "probe succeeded", null);
        }
        if (state != State.CLOSED) {
            return null; // an attempt started before the circuit opened: its result changes nothing
        }
        consecutiveFailures = failure ? consecutiveFailures + 1 : 0;
        if (windowSize == window.length && window[windowNext]) {
            windowFailures--;
        }
        window[windowNext] = failure;
        windowNext = (windowNext + 1) % window.length;
        windowSize = Math.min(windowSize + 1, window.length);
        if (failure) {
            windowFailures++;
        }
        if (consecutiveFailures >= settings.failureThreshold()) {
            return open(now, consecutiveFailures + " consecutive failures");
        }
        if (windowSize >= settings.minimumAttempts() && windowFailures >= settings.failureRatio() * windowSize) {
            return open(now, windowFailures + " of the last " + windowSize + " attempts failed");
        }
        return null;
    }

    /**
     * An attempt ended without reaching the endpoint (the destination guard refused its address): it says
     * nothing about the endpoint's health, so it counts neither way. A probe's turn passes to the next attempt,
     * which the guard refuses again; the circuit never closes on an address it may not connect to.
     */
    public void notReached(boolean probe) {
        if (probe && state == State.HALF_OPEN) {
            probeUnderWay = false;
        }
    }

    private Transition open(long now, String why) {
        State from = state;
        state = State.OPEN;
        openUntil = now + openMillis;
        resetCounts();
        return new Transition(from, State.OPEN, why, Duration.ofMillis(openMillis));
    }

    private void resetCounts() {
        consecutiveFailures = 0;
        windowNext = 0;
        windowSize = 0;
        windowFailures = 0;
    }
}
