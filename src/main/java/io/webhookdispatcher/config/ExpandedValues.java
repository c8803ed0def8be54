package io.webhookdispatcher.config;

import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Every value this process read from the environment into its config, and the masking that keeps them out of
 * anything it prints: log lines in both formats (the logback layouts call {@link #mask}), stack traces, the
 * uncaught-exception handler and the command line's failures. {@link ConfigErrors} masks its own messages the same
 * way; this is the second line of defence for what is built from the expanded settings afterwards, such as a Kafka
 * client that quotes a JAAS config in its exception (issue 20: {@code Invalid login module control flag '<secret>'}).
 *
 * <p>Process-wide on purpose: logback and the JVM's default exception handler are, and a value once expanded may be
 * in any client until the process ends, so the set only grows. Kafka's JAAS parser splits a value at spaces and
 * quotes a piece, so each piece of a value is masked too, not only the whole.
 */
public final class ExpandedValues {
    /** Pieces shorter than this are left alone: too short to be secrets, too common in ordinary text. */
    static final int MIN_LENGTH = 4;

    private static final String MASK = "****";
    private static final Pattern SEPARATORS = Pattern.compile("[\\s\"'=;,]+");
    private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();
    /** {@link #VALUES} longest first (a piece must not be masked before the whole), rebuilt on each addition. */
    private static volatile List<String> longestFirst = List.of();

    private ExpandedValues() {}

    /**
     * Remembers a value read from the environment, its JAAS-escaped form (as a Kafka client quotes it), its
     * JSON-escaped form (as the JSON log format writes it) and its pieces, so that nothing shows them.
     */
    static void remember(String value) {
        boolean added = add(value) | add(JaasText.escape(value)) | add(jsonEscaped(value));
        for (String piece : SEPARATORS.split(value)) {
            added |= add(piece);
        }
        if (added) {
            longestFirst = VALUES.stream()
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .toList();
        }
    }

    /** As a JSON string's inside: what Jackson writes for a quote, a backslash and control characters. */
    static String jsonEscaped(String value) {
        var json = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> json.append(c < 0x20 ? String.format("\\u%04X", (int) c) : String.valueOf(c));
            }
        }
        return json.toString();
    }

    private static boolean add(String value) {
        return value.length() >= MIN_LENGTH && VALUES.add(value);
    }

    /** {@code text} with every remembered value replaced by {@code ****}; null stays null. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String value : longestFirst) {
            if (masked.contains(value)) {
                masked = masked.replace(value, MASK);
            }
        }
        return masked;
    }

    /** The class and message of {@code error} and of each of its causes, masked: one line for a failure report. */
    public static String describe(Throwable error) {
        var text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            text.append(text.length() == 0 ? "" : "; caused by ").append(t);
            if (text.length() > 4096) {
                break;
            }
        }
        return mask(text.toString());
    }

    /** {@code error}'s whole stack trace, its causes and suppressed exceptions included, masked. */
    public static String stackTrace(Throwable error) {
        var text = new StringBuilder();
        append(text, error, "", Collections.newSetFromMap(new IdentityHashMap<>()));
        return mask(text.toString());
    }

    /** As {@link Throwable#printStackTrace()} writes it, without folding the frames a cause shares. */
    private static void append(StringBuilder text, Throwable t, String caption, Set<Throwable> seen) {
        if (!seen.add(t)) {
            text.append(caption).append("[CIRCULAR REFERENCE: ").append(t).append("]\n");
            return;
        }
        text.append(caption).append(t).append('\n');
        for (StackTraceElement frame : t.getStackTrace()) {
            text.append("\tat ").append(frame).append('\n');
        }
        for (Throwable suppressed : t.getSuppressed()) {
            append(text, suppressed, "Suppressed: ", seen);
        }
        if (t.getCause() != null) {
            append(text, t.getCause(), "Caused by: ", seen);
        }
    }
}
