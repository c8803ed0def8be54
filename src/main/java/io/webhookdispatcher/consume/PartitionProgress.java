package io.webhookdispatcher.consume;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets of one assigned partition. Records are tracked in offset order; each finishes on some other thread
 * (HTTP, writer, timer). The committable offset is the one after the longest prefix of {@link
 * RecordCompletion#DURABLE} records: nothing past unfinished or dropped work is ever committed. The queue is
 * touched only by the poll thread; {@link Tracked#finish} only writes the entry's own state and the counter.
 */
final class PartitionProgress {
    private final TopicPartition partition;
    private final Lease lease;
    private final ArrayDeque<Tracked> records = new ArrayDeque<>();
    private final AtomicInteger unfinished = new AtomicInteger();
    private long committable = -1; // next offset after the durable prefix
    private long committed = -1; // what the broker confirmed
    private String committedMetadata = "";
    private boolean paused;
    private long pausedUntil; // a record not due before then waits on the broker, not in memory
    private DoneOffsets skip = DoneOffsets.NONE; // finished by a previous owner beyond its committed offset

    /** One consumed record: its offset, what it holds of the memory budget, and how its work ended. */
    static final class Tracked {
        final long offset;
        final long bytes;
        final CompletableFuture<RecordCompletion> finished = new CompletableFuture<>();

        Tracked(long offset, long bytes) {
            this.offset = offset;
            this.bytes = bytes;
        }

        boolean durable() {
            return finished.isDone()
                    && !finished.isCompletedExceptionally()
                    && finished.join() == RecordCompletion.DURABLE;
        }
    }

    PartitionProgress(TopicPartition partition) {
        this.partition = partition;
        this.lease = new Lease(partition);
    }

    TopicPartition topicPartition() {
        return partition;
    }

    Lease lease() {
        return lease;
    }

    Tracked track(long offset, long bytes) {
        if (committable < 0) {
            committable = offset; // where this owner started: committing it loses nothing
        }
        var t = new Tracked(offset, bytes);
        records.addLast(t);
        unfinished.incrementAndGet();
        return t;
    }

    /** Called once per tracked record, from any thread; returns the number still unfinished. */
    int finish(Tracked t, RecordCompletion how) {
        t.finished.complete(how);
        return unfinished.decrementAndGet();
    }

    /**
     * Drops the durable prefix and returns the next offset to commit, if it grew past what the broker has
     * confirmed; {@code untracked} runs once per record dropped from tracking.
     */
    OptionalLong advance(Runnable untracked) {
        while (!records.isEmpty() && records.peekFirst().durable()) {
            committable = records.pollFirst().offset + 1;
            untracked.run();
        }
        return committable > committed ? OptionalLong.of(committable) : OptionalLong.empty();
    }

    /** Only once the commit succeeded: a failed commit is simply sent again next time. */
    void committed(long offset, String metadata) {
        if (offset >= committed) {
            committed = offset;
            committedMetadata = metadata;
        }
    }

    /** The offsets after the committed one whose work is durable, for the commit's metadata. */
    DoneOffsets doneBeyondPrefix() {
        var builder = new DoneOffsets.Builder();
        for (Tracked t : records) {
            if (t.durable()) {
                builder.add(t.offset);
            }
        }
        return builder.build();
    }

    /** Whether the metadata differs from what the broker has, at the same offset (worth committing again). */
    boolean metadataChanged(long offset, String metadata) {
        return offset == committed && !metadata.equals(committedMetadata);
    }

    void skip(DoneOffsets previousOwnersDone) {
        skip = previousOwnersDone;
    }

    /** Finished by the previous owner (it said so in its last commit): not to be redone. */
    boolean previouslyDone(long offset) {
        if (skip.isEmpty()) {
            return false;
        }
        if (offset > skip.last()) {
            skip = DoneOffsets.NONE;
            return false;
        }
        return skip.contains(offset);
    }

    long pausedUntil() {
        return pausedUntil;
    }

    void pausedUntil(long millis) {
        pausedUntil = millis;
    }

    long committedOffset() {
        return committed;
    }

    int unfinished() {
        return unfinished.get();
    }

    /** The completions still outstanding, for a drain to wait on. */
    List<CompletableFuture<RecordCompletion>> outstanding() {
        var result = new ArrayList<CompletableFuture<RecordCompletion>>();
        for (Tracked t : records) {
            if (!t.finished.isDone()) {
                result.add(t.finished);
            }
        }
        return result;
    }

    /** The next offset to commit as last computed, or -1 before any. */
    long committable() {
        return committable;
    }

    /** Every tracked record, for releasing what they hold when the partition is given up. */
    List<Tracked> tracked() {
        return List.copyOf(records);
    }

    boolean paused() {
        return paused;
    }

    void paused(boolean value) {
        paused = value;
    }
}
