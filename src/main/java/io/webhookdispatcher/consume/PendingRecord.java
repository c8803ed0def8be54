package io.webhookdispatcher.consume;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One consumed record whose offset may not be committed yet. Whoever takes on work for it calls
 * {@link #retain()} first and {@link #release()} once that work has a durable, terminal outcome
 * (delivered, or acknowledged by the retry or dead-letter topic). The consumer loop holds one
 * reference while the handler runs, so the record cannot look finished half-way through fan-out.
 */
public final class PendingRecord {
    private final PartitionProgress partition;
    private final long offset;
    private final AtomicInteger open = new AtomicInteger(1);

    PendingRecord(PartitionProgress partition, long offset) {
        this.partition = partition;
        this.offset = offset;
        partition.opened();
    }

    public void retain() {
        partition.opened();
        open.incrementAndGet();
    }

    public void release() {
        if (open.decrementAndGet() < 0) {
            throw new IllegalStateException("released more often than retained: offset " + offset);
        }
        partition.closed();
    }

    /**
     * Drops one piece of work without finishing it, because its partition was revoked: the record stays
     * unfinished (never committed here), but the drain no longer waits for it.
     */
    public void abandon() {
        partition.closed();
    }

    public boolean done() {
        return open.get() == 0;
    }

    public long offset() {
        return offset;
    }

    /** The partition's flow-control and ownership state, shared by all its records. */
    public PartitionProgress partition() {
        return partition;
    }
}
