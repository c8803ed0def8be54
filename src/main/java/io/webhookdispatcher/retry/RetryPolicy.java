package io.webhookdispatcher.retry;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * When and where a failed delivery is tried again. Pure apart from the injected random source.
 *
 * <p>Attempt {@code n} (1-based) that failed retryably is retried after {@code schedule[n-1]}, jittered
 * by ±{@code jitter}, through the retry topic of that delay ({@code <topics.retry>-<delay>}, e.g.
 * {@code crm.events.retry-5m}); after the last step it is dead-lettered. A {@code Retry-After} (429/503),
 * capped at {@code maxRetryAfter}, moves the retry on to the first remaining step whose delay is at
 * least that long (or the last step), and the attempt is never due before {@code Retry-After}.
 */
public final class RetryPolicy {
    private final List<Duration> schedule;
    private final double jitter;
    private final Duration maxRetryAfter;
    private final String topicBase;
    private final DoubleSupplier random;

    /** The next attempt: its number, the topic it waits in, and when it is due. */
    public record Next(int attempt, String topic, Instant dueAt) {
    }

    public RetryPolicy(DispatcherConfig.Retry retry, String topicBase, DoubleSupplier random) {
        this.schedule = retry.schedule();
        this.jitter = retry.jitter();
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

    /** The first step's topic: where {@code replay} puts dead letters back. */
    public String firstTopic() {
        return topicFor(schedule.get(0));
    }

    /** One topic per distinct delay, so each topic stays (nearly) ordered by due time. */
    public Set<String> topics() {
        var topics = new LinkedHashSet<String>();
        schedule.forEach(d -> topics.add(topicFor(d)));
        return topics;
    }

    private String topicFor(Duration delay) {
        return topicBase + "-" + Durations.format(delay);
    }

    private Duration jittered(Duration d) {
        if (jitter == 0) {
            return d;
        }
        double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }
}
