package io.webhookdispatcher.retry;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * When and where a delivery waits before its next attempt. Pure apart from the injected random source.
 *
 * <p><b>Retries.</b> Attempt {@code n} (1-based) that failed retryably is retried after {@code schedule[n-1]},
 * through the retry topic of that delay ({@code <topics.retry>-<delay>}, e.g. {@code crm.events.retry-5m}); after
 * the last step it is dead-lettered. A {@code Retry-After} (429/503), capped at {@code maxRetryAfter}, moves the
 * retry on to the first remaining step whose delay is at least that long (or the last step), and the attempt is
 * never due before {@code Retry-After}.
 *
 * <p><b>Deferrals</b> (not attempted: circuit open, queue full, slow) use no attempt. The k-th deferral since the
 * last attempt waits in the k-th shortest retry topic (the longest once k passes it), and at least as long as the
 * lane asked for; so a delivery is rewritten at most once per step while its endpoint stays bad, then once per
 * longest delay.
 *
 * <p><b>Order within a topic.</b> Each topic has one delay, and jitter is ±{@code jitter} of it but at most
 * ±{@code maxJitter}, so records in a retry topic are in due-time order up to a window of 2 × maxJitter. That
 * bounds how far the topic's committed offset trails the retries already done (a restart redoes at most that
 * window), and how long a due retry can wait behind a later one in the read-ahead.
 */
public final class RetryPolicy {
    private final List<Duration> schedule;
    private final List<Duration> steps; // distinct delays, shortest first
    private final double jitter;
    private final Duration maxJitter;
    private final Duration maxRetryAfter;
    private final String topicBase;
    private final DoubleSupplier random;

    /** Where a delivery waits and when it is due; {@code attempt} is the number of the attempt it waits for. */
    public record Next(int attempt, String topic, Instant dueAt) {}

    public RetryPolicy(DispatcherConfig.Retry retry, String topicBase, DoubleSupplier random) {
        this.schedule = retry.schedule();
        this.steps = List.copyOf(new TreeSet<>(retry.schedule()));
        this.jitter = retry.jitter();
        this.maxJitter = retry.maxJitter();
        this.maxRetryAfter = retry.maxRetryAfter();
        this.topicBase = topicBase;
        this.random = random;
    }

    /** Empty once attempt {@code failedAttempt} was the last one allowed. */
    public Optional<Next> next(int failedAttempt, Optional<Duration> retryAfter, Instant now) {
        int step = failedAttempt - 1; // schedule index of the delay before attempt failedAttempt + 1
        if (step >= schedule.size()) {
            return Optional.empty();
        }
        Duration floor = Duration.ZERO;
        if (retryAfter.isPresent()) {
            floor = retryAfter.get().compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter.get();
            while (step < schedule.size() - 1 && schedule.get(step).compareTo(floor) < 0) {
                step++;
            }
        }
        Duration delay = jittered(schedule.get(step));
        if (delay.compareTo(floor) < 0) {
            delay = floor;
        }
        return Optional.of(new Next(step + 2, topicFor(schedule.get(step)), now.plus(delay)));
    }

    /**
     * The {@code deferral}-th deferral (1-based, since the last attempt) of a delivery waiting for attempt
     * {@code attempt}: the step of that rank, or the first longer one that waits at least {@code atLeast}; and one
     * step further still if that one is shorter than {@code likely} (an estimate, so it may push one step only).
     */
    public Next deferral(int attempt, int deferral, Duration atLeast, Duration likely, Instant now) {
        int i = Math.min(Math.max(deferral, 1) - 1, steps.size() - 1);
        while (i < steps.size() - 1 && steps.get(i).compareTo(atLeast) < 0) {
            i++;
        }
        if (i < steps.size() - 1 && steps.get(i).compareTo(likely) < 0) {
            i++;
        }
        Duration step = steps.get(i);
        return new Next(attempt, topicFor(step), now.plus(jittered(step)));
    }

    /**
     * How long a delivery may stay on the failure path, attempted or deferred: the whole schedule's time. A
     * delivery deferred past it (its endpoint never came back) is dead-lettered like one whose attempts ran out.
     */
    public Duration patience() {
        return schedule.stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** The first step's topic: where {@code replay} puts dead letters back. */
    public String firstTopic() {
        return topicFor(schedule.get(0));
    }

    /** One topic per distinct delay, so each topic stays ordered by due time (within the jitter window). */
    public Set<String> topics() {
        var topics = new LinkedHashSet<String>();
        schedule.forEach(d -> topics.add(topicFor(d)));
        return topics;
    }

    /**
     * Every retry topic, also of delays no longer in the schedule: records waiting there when the schedule
     * changed are still consumed and retried on the current schedule.
     */
    public Pattern topicPattern() {
        return Pattern.compile(Pattern.quote(topicBase + "-") + "\\d+(ms|s|m|h|d)");
    }

    private String topicFor(Duration delay) {
        return topicBase + "-" + Durations.format(delay);
    }

    private Duration jittered(Duration d) {
        if (jitter == 0) {
            return d;
        }
        long spread = Math.min(Math.round(d.toMillis() * jitter), maxJitter.toMillis());
        return Duration.ofMillis(d.toMillis() + Math.round(spread * (2 * random.getAsDouble() - 1)));
    }
}
