package io.webhookdispatcher.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The commit rule: never past unfinished work; and what a drain waits for. */
class PartitionProgressTest {
    private final PartitionProgress partition = new PartitionProgress(new TopicPartition("crm.events", 0));

    /** A record as the consumer loop hands it over: the handler retains one unit per delivery. */
    private PendingRecord consumed(long offset, int deliveries) {
        PendingRecord r = partition.track(offset);
        for (int i = 0; i < deliveries; i++) {
            r.retain();
        }
        r.release(); // the loop's own reference, once the handler returned
        return r;
    }

    @Test
    void shouldCommitOnlyUpToTheFirstUnfinishedRecord() {
        PendingRecord first = consumed(10, 2);
        PendingRecord second = consumed(11, 1);
        consumed(12, 0); // unmatched: done at once

        second.release();
        assertThat(partition.advance()).isEmpty();

        first.release();
        assertThat(partition.advance()).isEmpty(); // one of its two deliveries is still open

        first.release();
        assertThat(partition.advance()).isEqualTo(OptionalLong.of(13));
    }

    @Test
    void shouldOfferTheSameOffsetAgainUntilACommitSucceeds() {
        consumed(5, 0);

        assertThat(partition.advance()).isEqualTo(OptionalLong.of(6));
        assertThat(partition.advance()).isEqualTo(OptionalLong.of(6)); // the first commit failed

        partition.committed(6);
        assertThat(partition.advance()).isEmpty();
    }

    @Test
    void shouldBeQuiescentOnceStartedWorkFinishedAndQueuedWorkWasAbandoned() {
        // given: one delivery started, one still queued
        PendingRecord record = consumed(0, 2);
        partition.waitingAdded();
        partition.waitingAdded();
        partition.waitingRemoved(); // the first one started
        assertThat(partition.quiescent()).isFalse();

        // when: the partition is revoked, the queued one is dropped, the started one finishes
        partition.revoke();
        partition.waitingRemoved();
        record.abandon();
        assertThat(partition.quiescent()).isFalse();
        record.release();

        // then: nothing is left to wait for, and the record is still not committable
        assertThat(partition.quiescent()).isTrue();
        assertThat(record.done()).isFalse();
        assertThat(partition.advance()).isEmpty();
    }
}
