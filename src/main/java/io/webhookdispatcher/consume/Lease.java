package io.webhookdispatcher.consume;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * The consumer loop's hold on one assigned partition, as the work taken from it sees it.
 *
 * <pre>
 *   ACTIVE ──revocation begins──► DRAINING ──drained and committed──► ENDED
 *      └─────────────── partition lost (no clean hand-over) ─────────────┘
 * </pre>
 *
 * New work (an HTTP attempt, a timer) may start only while ACTIVE. Work already started may still make its
 * outcome durable while DRAINING, so that the drain can commit it. Once ENDED nothing is written for the
 * partition any more: its next owner redoes every unfinished record from the committed offset, and a late
 * retry or dead-letter write would fork a second chain for the same delivery.
 */
public final class Lease {
    private enum State {
        ACTIVE,
        DRAINING,
        ENDED
    }

    private final TopicPartition partition;
    private volatile State state = State.ACTIVE;

    public Lease(TopicPartition partition) {
        this.partition = Objects.requireNonNull(partition, "partition");
    }

    public TopicPartition partition() {
        return partition;
    }

    /** New work for this partition may start. */
    public boolean active() {
        return state == State.ACTIVE;
    }

    /** Results of started work may still be written (ACTIVE or DRAINING). */
    public boolean owned() {
        return state != State.ENDED;
    }

    /** Revocation began: no new work starts; started work may finish. */
    public void startDrain() {
        if (state == State.ACTIVE) {
            state = State.DRAINING;
        }
    }

    /** Given up (drained, or lost): nothing more is written for it. */
    public void end() {
        state = State.ENDED;
    }

    @Override
    public String toString() {
        return "Lease[" + partition + ", " + state + "]";
    }
}
