package io.webhookdispatcher.consume;

import java.util.ArrayList;
import java.util.List;

/**
 * Offsets past a partition's committed offset whose work is already durable, carried in the commit's metadata
 * ({@code OffsetAndMetadata.metadata}) so that the partition's next owner skips them instead of redoing them:
 * without it, a record held back (a retry not yet due, a delivery queued for a slow endpoint) makes a rebalance
 * redo every finished record behind it — duplicate dead letters and forked retry chains.
 *
 * <p>Text form: {@code d1:} then ranges relative to the committed offset, {@code "2-5,9,12-40"}. It stays under
 * {@link #MAX_CHARS} (Kafka's {@code offset.metadata.max.bytes} is 4,096 by default); ranges beyond that are left
 * out, which only means those records are redone (duplicates, never loss).
 */
final class DoneOffsets {
    static final DoneOffsets NONE = new DoneOffsets(new long[0]);
    static final int MAX_CHARS = 3000;
    private static final String VERSION = "d1:";

    private final long[] ranges; // start, end (inclusive), ascending and disjoint

    private DoneOffsets(long[] ranges) {
        this.ranges = ranges;
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }

    long last() {
        return ranges[ranges.length - 1];
    }

    boolean contains(long offset) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (offset < ranges[i]) {
                return false;
            }
            if (offset <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** The metadata text for a commit at {@code base}; ranges below it are left out. */
    String encode(long base) {
        var text = new StringBuilder();
        for (int i = 0; i < ranges.length; i += 2) {
            long start = Math.max(ranges[i], base);
            if (ranges[i + 1] < base) {
                continue;
            }
            String range = (start - base) + (ranges[i + 1] > start ? "-" + (ranges[i + 1] - base) : "");
            if (VERSION.length() + text.length() + range.length() + 1 > MAX_CHARS) {
                break;
            }
            text.append(text.length() == 0 ? "" : ",").append(range);
        }
        return text.length() == 0 ? "" : VERSION + text;
    }

    /** What a previous owner committed at {@code base}; anything unreadable reads as nothing done. */
    static DoneOffsets decode(String metadata, long base) {
        if (metadata == null || !metadata.startsWith(VERSION)) {
            return NONE;
        }
        var builder = new Builder();
        try {
            for (String range : metadata.substring(VERSION.length()).split(",")) {
                int dash = range.indexOf('-');
                long start = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
                long end = dash < 0 ? start : Long.parseLong(range.substring(dash + 1));
                for (long o = start; o <= end; o++) {
                    builder.add(base + o);
                }
            }
        } catch (NumberFormatException unreadable) {
            return NONE;
        }
        return builder.build();
    }

    /** Collects offsets in ascending order into ranges. */
    static final class Builder {
        private final List<Long> ranges = new ArrayList<>();

        void add(long offset) {
            int n = ranges.size();
            if (n > 0 && ranges.get(n - 1) == offset - 1) {
                ranges.set(n - 1, offset);
            } else if (n == 0 || ranges.get(n - 1) < offset) {
                ranges.add(offset);
                ranges.add(offset);
            }
        }

        DoneOffsets build() {
            return ranges.isEmpty()
                    ? NONE
                    : new DoneOffsets(ranges.stream().mapToLong(Long::longValue).toArray());
        }
    }
}
