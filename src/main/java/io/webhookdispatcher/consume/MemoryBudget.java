package io.webhookdispatcher.consume;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of consumed records whose work is not finished ({@code delivery.maxBufferedBytes}): values, keys and
 * headers of records waiting in subscription queues, in flight, waiting for a retry's due time, or waiting for a
 * retry or dead-letter write to be acknowledged. Each consumer loop charges its own {@link Account} and pauses
 * its partitions while the account's share or the whole budget is used up, so the heap never grows with a
 * backlog, a dead endpoint or a stuck write.
 *
 * <p>Shares let the loops leave room for each other: the events loop may use 3/4 of the budget and the retry
 * loop 1/2, so each always has at least 1/4. A loop resumes once its account and the total are back under 3/4
 * of their limits (hysteresis: no pause/resume flapping at the line).
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public MemoryBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    public long used() {
        return used.get();
    }

    public Account account(double share) {
        if (share <= 0 || share > 1) {
            throw new IllegalArgumentException("share must be in (0, 1]");
        }
        return new Account((long) (limit * share));
    }

    /** One loop's charges. Thread-safe: charged on the poll thread, released by whichever thread finishes the work. */
    public final class Account {
        private final long limit;
        private final AtomicLong used = new AtomicLong();
        private volatile Runnable onRecovered = () -> {};

        private Account(long limit) {
            this.limit = limit;
        }

        public void reserve(long bytes) {
            used.addAndGet(bytes);
            MemoryBudget.this.used.addAndGet(bytes);
        }

        public void release(long bytes) {
            long mine = used.addAndGet(-bytes);
            long total = MemoryBudget.this.used.addAndGet(-bytes);
            // Wake the loop only when this release crossed back under a resume mark.
            if (crossed(mine, bytes, resumeMark(limit)) || crossed(total, bytes, resumeMark(MemoryBudget.this.limit))) {
                onRecovered.run();
            }
        }

        /** The loop must pause: its share or the whole budget is used up. */
        public boolean exhausted() {
            return used.get() >= limit || MemoryBudget.this.used.get() >= MemoryBudget.this.limit;
        }

        /** A paused loop may resume. */
        public boolean recovered() {
            return used.get() < resumeMark(limit) && MemoryBudget.this.used.get() < resumeMark(MemoryBudget.this.limit);
        }

        public long used() {
            return used.get();
        }

        public long limit() {
            return limit;
        }

        /** Called (from any thread) when a release may have let a paused loop resume. */
        public void onRecovered(Runnable action) {
            this.onRecovered = action;
        }

        private static boolean crossed(long after, long released, long mark) {
            return after < mark && after + released >= mark;
        }

        private static long resumeMark(long limit) {
            return limit - limit / 4;
        }
    }
}
