package io.webhookdispatcher.consume;

import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * Offset bookkeeping and flow control for one assigned partition.
 *
 * <p>The record queue is touched only by the poll thread; delivery threads only update the
 * {@link PendingRecord} counters and {@link #waiting}. The committable offset is the offset of the
 * first record not yet done: nothing past unfinished work is ever committed.
 */
public final class PartitionProgress {
    private final TopicPartition partition;
    private final ArrayDeque<PendingRecord> records = new ArrayDeque<>();
    /** Work taken from this partition but not started yet (queued for a permit, or not yet due). */
    private final AtomicInteger waiting = new AtomicInteger();
    /** References held on its records: waiting work, started work, and the handler while it runs. */
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean paused;
    private volatile boolean revoked;
    private long committable = -1; // next offset after the finished prefix
    private long committed = -1;   // what the broker confirmed

    PartitionProgress(TopicPartition partition) {
        this.partition = partition;
    }

    public TopicPartition topicPartition() {
        return partition;
    }

    PendingRecord track(long offset) {
        var record = new PendingRecord(this, offset);
        records.addLast(record);
        return record;
    }

    /** The next offset to commit, if the finished prefix grew past what the broker has confirmed. */
    OptionalLong advance() {
        while (!records.isEmpty() && records.peekFirst().done()) {
            committable = records.pollFirst().offset() + 1;
        }
        return committable > committed ? OptionalLong.of(committable) : OptionalLong.empty();
    }

    /** Only once the commit succeeded: a failed commit is simply sent again next time. */
    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    /**
     * No started work is left: everything still open only waits, and waiting work of a revoked
     * partition is never started. Reads {@code open} before {@code waiting}, so a delivery moving
     * from waiting to started in between is seen as started (a conservative answer).
     */
    boolean quiescent() {
        int o = open.get();
        return o - waiting.get() <= 0;
    }

    int waiting() {
        return waiting.get();
    }

    public void waitingAdded() {
        waiting.incrementAndGet();
    }

    /** A delivery left the waiting state (started, or dropped). */
    public void waitingRemoved() {
        waiting.decrementAndGet();
    }

    boolean paused() {
        return paused;
    }

    void paused(boolean value) {
        paused = value;
    }

    /** Revoked or lost: work for it that has not started is dropped; the next owner redoes it. */
    public boolean revoked() {
        return revoked;
    }

    void revoke() {
        revoked = true;
    }
}
