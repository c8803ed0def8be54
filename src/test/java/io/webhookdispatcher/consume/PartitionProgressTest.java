package io.webhookdispatcher.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The commit rule: never past unfinished or dropped work. */
class PartitionProgressTest {
    private final PartitionProgress partition = new PartitionProgress(new TopicPartition("crm.events", 0));
    private int untracked;

    private OptionalLong advance() {
        return partition.advance(() -> untracked++);
    }

    @Test
    void shouldCommitOnlyUpToTheFirstUnfinishedRecord() {
        // given: three records; the second finishes first
        var first = partition.track(10, 100);
        var second = partition.track(11, 100);
        var third = partition.track(12, 100);
        partition.finish(second, RecordCompletion.DURABLE);

        // then: nothing past where it started is committable while the first is unfinished
        assertThat(advance()).hasValue(10);

        // when: the first finishes
        partition.finish(first, RecordCompletion.DURABLE);

        // then: the commit moves past both, not past the third
        assertThat(advance()).hasValue(12);
        assertThat(untracked).isEqualTo(2);
        assertThat(partition.unfinished()).isEqualTo(1);
        partition.finish(third, RecordCompletion.DURABLE);
        assertThat(advance()).hasValue(13);
    }

    @Test
    void shouldNeverCommitPastDroppedWork() {
        // given: a record whose work was dropped (its partition is being given up), and a durable one after it
        var dropped = partition.track(5, 10);
        var durable = partition.track(6, 10);

        // when
        partition.finish(dropped, RecordCompletion.DROPPED);
        partition.finish(durable, RecordCompletion.DURABLE);

        // then: the next owner must redo offset 5, so 5 stays the committed position; 6 is known to be done
        assertThat(advance()).hasValue(5);
        assertThat(partition.doneBeyondPrefix().encode(5)).isEqualTo("d1:1");
        assertThat(partition.outstanding()).isEmpty();
    }

    @Test
    void shouldOfferTheSameOffsetAgainUntilTheBrokerConfirmedIt() {
        var r = partition.track(0, 1);
        partition.finish(r, RecordCompletion.DURABLE);

        assertThat(advance()).hasValue(1);
        assertThat(advance()).hasValue(1); // a failed async commit is simply sent again
        partition.committed(1, "");
        assertThat(advance()).isEmpty();
    }
}
