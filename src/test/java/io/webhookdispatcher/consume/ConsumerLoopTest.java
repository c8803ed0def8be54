package io.webhookdispatcher.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The loop alone owns offsets, pausing and revocation: specified on Kafka's MockConsumer, one poll at a time. */
class ConsumerLoopTest {
    private static final String TOPIC = "crm.events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final CountingConsumer consumer = new CountingConsumer();
    private final ScriptedHandler handler = new ScriptedHandler();
    private final LoopStatus status = new LoopStatus("events-consumer");
    private final io.webhookdispatcher.testkit.FakeClock clock = new io.webhookdispatcher.testkit.FakeClock();
    private ConsumerLoop loop;
    private long[] nextOffset = new long[2];

    /** A MockConsumer that counts wake-ups and remembers commits (its committed() forgets revoked partitions). */
    static final class CountingConsumer extends MockConsumer<byte[], byte[]> {
        final AtomicInteger wakeups = new AtomicInteger();
        final Map<TopicPartition, Long> commits = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public synchronized void commitAsync(
                Map<TopicPartition, OffsetAndMetadata> offsets,
                org.apache.kafka.clients.consumer.OffsetCommitCallback callback) {
            offsets.forEach((tp, om) -> commits.put(tp, om.offset()));
            super.commitAsync(offsets, callback);
        }

        CountingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void wakeup() {
            wakeups.incrementAndGet();
            super.wakeup();
        }
    }

    /** Hands back a future per record that the test completes; records what it was told. */
    static final class ScriptedHandler implements RecordHandler {
        final List<ConsumerRecord<byte[], byte[]>> handled = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<RecordCompletion>> work = new CopyOnWriteArrayList<>();
        final List<Lease> drained = new CopyOnWriteArrayList<>();
        volatile boolean saturated;
        volatile Runnable onDraining = () -> {};
        final Map<Long, Long> dueAt = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public long notBeforeMillis(ConsumerRecord<byte[], byte[]> record) {
            return dueAt.getOrDefault(record.offset(), 0L);
        }

        @Override
        public CompletionStage<RecordCompletion> handle(ConsumerRecord<byte[], byte[]> record, Lease lease) {
            handled.add(record);
            var f = new CompletableFuture<RecordCompletion>();
            work.add(f);
            return f;
        }

        @Override
        public void draining(Lease lease) {
            drained.add(lease);
            onDraining.run();
        }

        @Override
        public boolean saturated(Runnable wake) {
            return saturated;
        }

        void finish(int index, RecordCompletion how) {
            work.get(index).complete(how);
        }
    }

    private void start(long budgetBytes, int maxUnfinishedPerPartition) {
        start(budgetBytes, new ConsumerLoop.FlowControl(maxUnfinishedPerPartition));
    }

    private void start(long budgetBytes, ConsumerLoop.FlowControl flow) {
        var budget = new MemoryBudget(budgetBytes);
        loop = new ConsumerLoop(
                consumer,
                listener -> consumer.subscribe(List.of(TOPIC), listener),
                handler,
                flow,
                budget.account(1.0),
                Duration.ofMillis(200),
                status,
                clock);
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        loop.subscribe();
        consumer.rebalance(List.of(P0, P1));
    }

    private void produce(TopicPartition tp, int count, int valueBytes) {
        for (int i = 0; i < count; i++) {
            consumer.addRecord(new ConsumerRecord<>(
                    TOPIC, tp.partition(), nextOffset[tp.partition()]++, null, new byte[valueBytes]));
        }
    }

    /** What a fetch from {@code from} would return again (MockConsumer forgets records once returned). */
    private void refetch(TopicPartition tp, long from, int count) {
        for (long o = from; o < from + count; o++) {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, tp.partition(), o, null, new byte[10]));
        }
    }

    private Long committed(TopicPartition tp) {
        return consumer.commits.get(tp);
    }

    private void pollUntilCommitted() throws InterruptedException {
        Thread.sleep(210); // the commit interval (200 ms) is real time in the loop
        loop.pollOnce();
    }

    @Test
    void shouldCommitOnlyTheDurablePrefixWhateverOrderWorkFinishesIn() throws Exception {
        // given
        start(1 << 20, 0);
        produce(P0, 3, 10);
        loop.pollOnce();

        // when: the second and third finish first
        handler.finish(1, RecordCompletion.DURABLE);
        handler.finish(2, RecordCompletion.DURABLE);
        pollUntilCommitted();

        // then: nothing past the first (its own offset, where this owner started, is all that is committed)
        assertThat(committed(P0)).isZero();

        // when: the first finishes
        handler.finish(0, RecordCompletion.DURABLE);
        pollUntilCommitted();

        // then
        assertThat(committed(P0)).isEqualTo(3);
    }

    @Test
    void shouldPauseWhenItsMemoryShareIsUsedUpAndResumeWhenWorkFinishes() {
        // given: 20,000 bytes; each record costs its 1,000 bytes plus the bookkeeping overhead
        start(20_000, 0);
        consumer.setMaxPollRecords(2);
        produce(P0, 50, 1000);
        produce(P1, 50, 1000);

        // when: polling as long as it will take records
        for (int i = 0; i < 30; i++) {
            loop.pollOnce();
        }

        // then: it stopped at the bound (one poll of overshoot at most), far from the 100 available
        long perRecord = 1000 + ConsumerLoop.RECORD_OVERHEAD_BYTES;
        assertThat(handler.handled.size()).isBetween((int) (20_000 / perRecord), (int) (20_000 / perRecord) + 2);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(loop.paused()).isTrue();

        // when: the work finishes, releasing the memory
        int before = handler.handled.size();
        handler.work.forEach(f -> f.complete(RecordCompletion.DURABLE));

        // then: the poll was woken, and the loop resumes
        assertThat(consumer.wakeups.get()).isGreaterThanOrEqualTo(1);
        loop.pollOnce();
        loop.pollOnce();
        assertThat(consumer.paused()).isEmpty();
        assertThat(handler.handled.size()).isGreaterThan(before);
    }

    @Test
    void shouldTakeNoRecordOfAPollPastItsMemoryShareAndFetchTheRestAgainLater() {
        // given: a 20,000-byte share and one poll that returns 100 records of 1,000 bytes (100,000 bytes)
        start(20_000, 0);
        produce(P0, 50, 1000);
        produce(P1, 50, 1000);

        // when
        loop.pollOnce();

        // then: it took records only while the share lasted (one past it at most), and left the rest on the broker
        long perRecord = 1000 + ConsumerLoop.RECORD_OVERHEAD_BYTES;
        int taken = handler.handled.size();
        assertThat(taken).isBetween((int) (20_000 / perRecord), (int) (20_000 / perRecord) + 1);
        long takenOfP0 =
                handler.handled.stream().filter(r -> r.partition() == 0).count();
        assertThat(consumer.position(P0)).isEqualTo(takenOfP0);
        assertThat(consumer.position(P1)).isEqualTo(taken - takenOfP0);

        // when: the work finishes and the loop fetches what it left (MockConsumer needs the records again)
        handler.work.forEach(f -> f.complete(RecordCompletion.DURABLE));
        refetch(P0, takenOfP0, (int) (50 - takenOfP0));
        refetch(P1, taken - takenOfP0, (int) (50 - (taken - takenOfP0)));
        loop.pollOnce();
        loop.pollOnce();

        // then: it goes on from exactly there: no record skipped, none taken twice
        assertThat(handler.handled)
                .extracting(r -> r.partition() + "@" + r.offset())
                .doesNotHaveDuplicates()
                .contains("0@" + takenOfP0, "1@" + (taken - takenOfP0));
    }

    @Test
    void shouldPauseOnlyThePartitionAtItsReadAheadBound() {
        // given: at most 10 unfinished records per partition
        start(1 << 30, 10);
        consumer.setMaxPollRecords(5);
        produce(P0, 40, 10);

        // when
        for (int i = 0; i < 10; i++) {
            loop.pollOnce();
        }

        // then: partition 0 stops at 10; partition 1 is not paused
        assertThat(handler.handled).hasSize(10);
        assertThat(consumer.paused()).containsExactly(P0);

        // when: 5 finish (the resume mark is half the bound)
        for (int i = 0; i < 5; i++) {
            handler.finish(i, RecordCompletion.DURABLE);
        }
        loop.pollOnce();
        loop.pollOnce();

        // then
        assertThat(consumer.paused()).isEmpty();
        assertThat(handler.handled.size()).isGreaterThan(10);
    }

    @Test
    void shouldStopFetchingWhileTheHandlerIsSaturated() {
        // given
        start(1 << 30, 0);
        produce(P0, 10, 10);
        handler.saturated = true;

        // when
        loop.pollOnce();

        // then
        assertThat(handler.handled).isEmpty();
        assertThat(consumer.lastPollTimeout())
                .as("a paused loop waits for a wake-up, it does not spin")
                .isEqualTo(Duration.ofMillis(200));

        // when
        handler.saturated = false;
        loop.pollOnce();
        loop.pollOnce();

        // then
        assertThat(handler.handled).hasSize(10);
    }

    @Test
    void shouldDropUnstartedWorkOnRevocationAndCommitExactlyWhatIsDurable() {
        // given: four records; two are durable, one is started, one waits in a queue
        start(1 << 20, 0);
        produce(P0, 4, 10);
        loop.pollOnce();
        handler.finish(0, RecordCompletion.DURABLE);
        handler.finish(1, RecordCompletion.DURABLE);
        Lease lease = handler.drained.isEmpty() ? null : handler.drained.get(0);
        assertThat(lease).isNull();
        // the handler drops the queued one when told to drain, and the started one then finishes durably
        handler.onDraining = () -> {
            handler.finish(3, RecordCompletion.DROPPED);
            handler.finish(2, RecordCompletion.DURABLE);
        };

        // when: the partition is revoked
        consumer.rebalance(List.of(P1));

        // then: the drain committed up to the dropped record, and the lease has ended
        assertThat(handler.drained).hasSize(1);
        assertThat(handler.drained.get(0).partition()).isEqualTo(P0);
        assertThat(handler.drained.get(0).owned()).isFalse();
        assertThat(committed(P0)).isEqualTo(3);
    }

    @Test
    void shouldGiveUpWaitingForStartedWorkAfterTheDrainTimeout() {
        // given: a record whose work never finishes
        start(1 << 20, 0);
        produce(P0, 1, 10);
        loop.pollOnce();

        // when
        long started = System.nanoTime();
        consumer.rebalance(List.of(P1));

        // then: the drain waited its 200 ms, not for ever, and committed nothing past the record
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isBetween(Duration.ofMillis(150), Duration.ofSeconds(5));
        assertThat(committed(P0)).isZero();
    }

    @Test
    void shouldReportFailedWorkAndNeverCommitPastIt() throws Exception {
        // given
        start(1 << 20, 0);
        produce(P0, 2, 10);
        loop.pollOnce();

        // when: a bug fails the first record's work
        handler.work.get(0).completeExceptionally(new IllegalStateException("bug"));
        handler.finish(1, RecordCompletion.DURABLE);
        pollUntilCommitted();

        // then: liveness will fail, and the record stays uncommitted
        assertThat(status.failure()).hasMessage("bug");
        assertThat(committed(P0)).isZero();
    }

    @Test
    void shouldLeaveARecordDueLaterThanItsHorizonOnTheBrokerAndComeBackForIt() {
        // given: records 0-1 due now, record 2 (and what follows it) due in a minute; a 10 s horizon
        start(1 << 20, new ConsumerLoop.FlowControl(0, Duration.ofSeconds(10)));
        handler.dueAt.put(2L, clock.millis() + 60_000);
        handler.dueAt.put(3L, clock.millis() + 61_000);
        produce(P0, 4, 10);

        // when
        loop.pollOnce();
        loop.pollOnce();

        // then: the loop took 0 and 1, left 2 and 3 on the broker (position back at 2), and paused the partition
        assertThat(handler.handled).extracting(ConsumerRecord::offset).containsExactly(0L, 1L);
        assertThat(consumer.position(P0)).isEqualTo(2);
        assertThat(consumer.paused()).containsExactly(P0);

        // when: 51 s later (the horizon before 3 is due), the partition resumes and fetches from 2 again
        clock.advance(Duration.ofSeconds(51));
        loop.pollOnce();
        refetch(P0, 2, 2);
        loop.pollOnce();

        // then: both are held in memory now, waiting for their due time in the handler
        assertThat(consumer.paused()).doesNotContain(P0);
        assertThat(handler.handled).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void shouldTellTheNextOwnerWhichRecordsPastTheCommittedOneAreDoneSoItDoesNotRedoThem() {
        // given: record 0 stays unfinished (a retry not yet due, say); 1 and 2 are durable
        start(1 << 20, 0);
        produce(P0, 3, 10);
        loop.pollOnce();
        handler.finish(1, RecordCompletion.DURABLE);
        handler.finish(2, RecordCompletion.DURABLE);

        // when: the partition is revoked (0 is dropped by the drain), then comes back
        handler.onDraining = () -> handler.finish(0, RecordCompletion.DROPPED);
        consumer.rebalance(List.of(P1));
        assertThat(consumer.commits).containsEntry(P0, 0L);
        consumer.rebalance(List.of(P0, P1));
        refetch(P0, 0, 3);
        loop.pollOnce();

        // then: only 0 is redone; 1 and 2 are not handled again
        assertThat(handler.handled).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 0L);
    }
}
