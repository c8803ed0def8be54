package io.webhookdispatcher.event;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * An event's time ({@code timestamp} / {@code eventDate}) as an {@link Instant}, or null when it has none that
 * {@link Instant#parse} accepts. Parsed once per consumed event, so the CRM's own form has a fast path.
 */
final class EventTime {
    private EventTime() {}

    /** Null for no text, and for a text {@link Instant#parse} refuses: an event without a usable time is delivered. */
    static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        Instant fast = utcInstant(text);
        if (fast != null) {
            return fast;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * {@code 2026-12-01T10:00:00Z} or with a fraction of 1 to 9 digits ({@code …00.123Z}), the form the CRM
     * writes, without {@link Instant#parse}'s formatter, which was 10% of the events consumer's time in the
     * fan-out-1 benchmark; null for anything else (an offset, a leap second, a bad date), which
     * {@link Instant#parse} then decides. Same result as it for every text it accepts.
     */
    static Instant utcInstant(String t) {
        int n = t.length();
        int nanos = utcShape(t, n) ? nanos(t, n) : -1;
        if (nanos < 0) {
            return null;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 7);
        int day = digits(t, 8, 10);
        int hour = digits(t, 11, 13);
        int minute = digits(t, 14, 16);
        int second = digits(t, 17, 19);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        long days;
        try {
            days = LocalDate.of(year, month, day).toEpochDay(); // checks the month and the day in it
        } catch (DateTimeException notADate) {
            return null;
        }
        return Instant.ofEpochSecond(days * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    /** The separators of {@code uuuu-MM-ddTHH:mm:ss[.f…]Z} where they belong, in 20 to 30 characters. */
    private static boolean utcShape(String t, int n) {
        return n >= 20
                && n <= 30
                && t.charAt(n - 1) == 'Z'
                && t.charAt(4) == '-'
                && t.charAt(7) == '-'
                && t.charAt(10) == 'T'
                && t.charAt(13) == ':'
                && t.charAt(16) == ':';
    }

    /** The fraction between the seconds and the {@code Z} in nanoseconds, 0 without one; −1 unless 1 to 9 digits. */
    private static int nanos(String t, int n) {
        if (n == 20) {
            return t.charAt(19) == 'Z' ? 0 : -1;
        }
        if (t.charAt(19) != '.' || n == 21) {
            return -1;
        }
        int fraction = digits(t, 20, n - 1);
        return fraction < 0 ? -1 : fraction * POWERS_OF_TEN[30 - n];
    }

    /** 10^(9 - digits) for a fraction of 1 to 9 digits, by the text's length − 21. */
    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    /** The decimal number in {@code t[from, to)}, or −1 if any of it is not an ASCII digit. */
    private static int digits(String t, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
