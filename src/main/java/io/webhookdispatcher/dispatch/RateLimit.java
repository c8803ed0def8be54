package io.webhookdispatcher.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A subscription's {@code rateLimit}, written {@code 50/s}, {@code 600/m} or {@code 1000/h}: deliveries are
 * delayed to stay under it, never dropped. A token bucket refilled continuously; it holds at most one second's
 * worth (at least one), so a limit per minute or hour is never spent in one burst.
 */
public record RateLimit(long permits, Duration per) {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})/(s|m|h)");

    public RateLimit {
        Objects.requireNonNull(per, "per");
        if (permits < 1 || per.isZero() || per.isNegative()) {
            throw new IllegalArgumentException("a rate limit needs at least 1 permit per positive duration");
        }
    }

    /** @throws IllegalArgumentException if the text is not like {@code 50/s} */
    public static RateLimit parse(String text) {
        var m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a rate like 50/s, 600/m or 1000/h");
        }
        Duration per = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        return new RateLimit(Long.parseLong(m.group(1)), per);
    }

    public double perSecond() {
        return permits * 1000.0 / per.toMillis();
    }

    @Override
    public String toString() {
        return permits + "/" + (per.toSeconds() == 1 ? "s" : per.toMinutes() == 1 ? "m" : "h");
    }

    /** The bucket. Not thread-safe: used under the scheduler's lock. */
    static final class Bucket {
        private final double perMilli;
        private final double capacity;
        private final double perSecond;
        private double tokens;
        private long updated;

        Bucket(RateLimit limit, long now) {
            this.perMilli = limit.perSecond() / 1000;
            this.capacity = Math.max(1, limit.perSecond());
            this.perSecond = limit.perSecond();
            this.tokens = capacity;
            this.updated = now;
        }

        /** Its rate: a lane reads the rate from the bucket it has, never from settings a reload may be swapping. */
        double perSecond() {
            return perSecond;
        }

        boolean tryTake(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        long millisUntilToken(long now) {
            refill(now);
            return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perMilli);
        }

        private void refill(long now) {
            if (now > updated) {
                tokens = Math.min(capacity, tokens + (now - updated) * perMilli);
                updated = now;
            }
        }
    }
}
