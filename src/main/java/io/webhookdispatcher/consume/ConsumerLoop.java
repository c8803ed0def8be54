package io.webhookdispatcher.consume;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of one consumer: the only owner of its partitions' offsets, pausing and revocation. It hands
 * each record to a {@link RecordHandler}, whose stage says when the record is finished, and commits the
 * durable prefix of each partition; it never waits on HTTP.
 *
 * <pre>
 *   poll ──► handler.handle(record, lease) ──► stage completes DURABLE / DROPPED (any thread)
 *     ▲                                                   │
 *     │        commit the durable prefix ◄────────────────┤
 *     └── pause while memory or the handler is full ◄─────┘  (a release or a drained queue wakes the poll)
 * </pre>
 *
 * Flow control: every record charges its bytes to the loop's {@link MemoryBudget.Account} until it is
 * finished; the whole loop pauses while that account is exhausted or the handler is {@link
 * RecordHandler#saturated saturated}, and a single partition pauses while it has {@code
 * maxUnfinishedPerPartition} unfinished records (the retry topics' read-ahead). Whoever makes a resume possible
 * calls {@link #wake()}, so a paused loop never spins and never waits a poll timeout to resume. The loop takes
 * records in; deciding the pauses is {@link PauseControl}'s, and committing and reading back offsets is
 * {@link Commits}', both on the poll thread and over the loop's own partition map.
 *
 * <p>On revocation and on {@link #stop()} it lets the handler drop work that has not started, waits (bounded)
 * for started work, commits what is durable, and ends the leases; the next owner redoes the rest.
 */
public final class ConsumerLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    /** Charged per unfinished record on top of its bytes: the bookkeeping and work objects it costs. */
    static final long RECORD_OVERHEAD_BYTES = 512;
    /** What a finished record still costs while it waits for the records before it to finish. */
    static final long TRACKED_BYTES = 64;

    /**
     * @param maxUnfinishedPerPartition pause a partition with this many unfinished records (resume below half);
     *                                  0 for no per-partition bound
     * @param holdHorizon               a record the handler says is not due for longer than this is left on the
     *                                  broker: the loop seeks back to it and pauses its partition until then
     *                                  (Duration.ZERO: every record is taken at once)
     */
    public record FlowControl(int maxUnfinishedPerPartition, Duration holdHorizon) {
        public FlowControl {
            if (maxUnfinishedPerPartition < 0) {
                throw new IllegalArgumentException("maxUnfinishedPerPartition must be >= 0");
            }
            Objects.requireNonNull(holdHorizon, "holdHorizon");
        }

        public FlowControl(int maxUnfinishedPerPartition) {
            this(maxUnfinishedPerPartition, Duration.ZERO);
        }
    }

    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final Consumer<ConsumerRebalanceListener> subscribe;
    private final RecordHandler handler;
    private final FlowControl flow;
    private final MemoryBudget.Account memory;
    private final Duration drainTimeout;
    private final LoopStatus status;
    private final Clock clock;
    /** Poll thread only (rebalance callbacks run inside poll); read by {@link #commits} on that thread. */
    private final Map<TopicPartition, PartitionProgress> partitions = new HashMap<>();

    private final Commits commits;
    private final PauseControl pauses;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean running = true;

    /**
     * @param subscribe subscribes the consumer with the given listener (to a topic list or a pattern)
     */
    public ConsumerLoop(
            org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
            Consumer<ConsumerRebalanceListener> subscribe,
            RecordHandler handler,
            FlowControl flow,
            MemoryBudget.Account memory,
            Duration drainTimeout,
            LoopStatus status,
            Clock clock) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.subscribe = Objects.requireNonNull(subscribe, "subscribe");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.flow = Objects.requireNonNull(flow, "flow");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.status = Objects.requireNonNull(status, "status");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.commits = new Commits(consumer, partitions, () -> memory.release(TRACKED_BYTES));
        this.pauses = new PauseControl(consumer, handler, memory, flow.maxUnfinishedPerPartition(), clock);
        memory.onRecovered(this::wake);
    }

    @Override
    public void run() {
        try {
            subscribe();
            while (running) {
                pollOnce();
            }
            drainAndCommit(new ArrayList<>(partitions.keySet()), "stopping");
        } catch (Throwable t) {
            status.failed(t);
            log.error(
                    "consumer loop {} stopped by an unexpected error; nothing past finished work was committed",
                    status.name(),
                    t);
        } finally {
            partitions.values().forEach(this::forget);
            partitions.clear(); // handed over: closing the consumer must not drain them again
            finished.countDown();
        }
    }

    void subscribe() {
        subscribe.accept(new Rebalance());
    }

    /** Stops polling for good and drains every partition, as {@link #run()} does at its end (tests). */
    void stopAndDrain() {
        running = false;
        drainAndCommit(new ArrayList<>(partitions.keySet()), "stopping");
    }

    void pollOnce() {
        pauses.apply(partitions.values());
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(POLL_TIMEOUT);
        } catch (WakeupException e) {
            records = ConsumerRecords.empty(); // stop(), or a resume became possible
        }
        status.polled();
        long horizon = flow.holdHorizon().toMillis();
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress progress = partitions.get(tp);
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                if (progress.previouslyDone(record.offset())) {
                    finishedBefore(progress, record);
                    continue;
                }
                if (memory.exhausted()) {
                    // One poll can return far more than the share (measured: 105 records of 1 MB against a
                    // 24 MiB share, fetch.max.bytes notwithstanding). Take none past it: leave the rest on the
                    // broker and fetch it again once work finishes; the share is exceeded by one record at most.
                    consumer.seek(tp, record.offset());
                    break;
                }
                long due = horizon > 0 ? handler.notBeforeMillis(record) : 0;
                if (due > clock.millis() + horizon) {
                    // not due for a while: leave it (and what follows) on the broker, and come back for it
                    consumer.seek(tp, record.offset());
                    progress.pausedUntil(due - horizon);
                    break;
                }
                handle(progress, record);
            }
        }
        if (commits.due()) {
            commits.commit(partitions.values(), false);
        }
    }

    private void handle(PartitionProgress progress, ConsumerRecord<byte[], byte[]> record) {
        long bytes = sizeOf(record);
        memory.reserve(bytes + RECORD_OVERHEAD_BYTES);
        PartitionProgress.Tracked tracked = progress.track(record.offset(), bytes);
        CompletionStage<RecordCompletion> stage;
        try {
            stage = handler.handle(record, progress.lease());
        } catch (RuntimeException bug) {
            stage = CompletableFuture.failedFuture(bug);
        }
        stage.whenComplete((how, error) -> finished(progress, tracked, how, error));
    }

    /** A record the partition's previous owner finished past its committed offset: tracked as done, not redone. */
    private void finishedBefore(PartitionProgress progress, ConsumerRecord<byte[], byte[]> record) {
        memory.reserve(TRACKED_BYTES);
        progress.finish(progress.track(record.offset(), 0), RecordCompletion.DURABLE);
    }

    /** Any thread. A failed stage is a bug: it is reported, and the record is never committed past. */
    private void finished(
            PartitionProgress progress, PartitionProgress.Tracked tracked, RecordCompletion how, Throwable error) {
        if (error != null) {
            status.failed(error);
            log.error(
                    "work for {}@{} failed unexpectedly; it stays uncommitted and liveness now fails so that a"
                            + " restart redoes it",
                    progress.topicPartition(),
                    tracked.offset,
                    error);
        }
        int unfinished = progress.finish(tracked, error == null ? how : RecordCompletion.DROPPED);
        memory.release(tracked.bytes + RECORD_OVERHEAD_BYTES - TRACKED_BYTES);
        pauses.finished(unfinished);
    }

    /** Makes a paused loop re-check its flow control now instead of after its poll timeout. Any thread. */
    public void wake() {
        pauses.wake();
    }

    /** True while the memory budget or the handler keeps the whole loop paused (for metrics). */
    public boolean paused() {
        return pauses.loopPaused();
    }

    /**
     * Lets the handler drop the partitions' work that has not started, waits (bounded) for the started work,
     * commits what is durable and ends the leases.
     */
    private void drainAndCommit(Collection<TopicPartition> which, String why) {
        var progress = new ArrayList<PartitionProgress>();
        for (TopicPartition tp : which) {
            PartitionProgress p = partitions.get(tp);
            if (p != null) {
                progress.add(p);
                p.lease().startDrain();
            }
        }
        progress.forEach(p -> handler.draining(p.lease()));
        var outstanding = new ArrayList<CompletableFuture<RecordCompletion>>();
        progress.forEach(p -> outstanding.addAll(p.outstanding()));
        try {
            CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new))
                    .get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn(
                    "{}: drain timed out after {}: unfinished work on {} is not committed and will be redelivered",
                    why,
                    drainTimeout,
                    which);
        } catch (ExecutionException e) {
            // a failed stage was reported when it failed; it is simply not committed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            commits.commit(progress, true);
        } catch (KafkaException e) {
            // e.g. the group moved on: the next owner redoes what was not committed (duplicates only)
            log.warn("final commit for {} failed: {}", which, e.toString());
        }
        progress.forEach(p -> p.lease().end());
    }

    /** Ends the lease and returns the bookkeeping charge of every record still tracked. */
    private void forget(PartitionProgress p) {
        p.lease().end();
        for (PartitionProgress.Tracked ignored : p.tracked()) {
            memory.release(TRACKED_BYTES); // the rest is released when their work finishes
        }
    }

    /** Stops polling; the loop then drains, commits and returns. Safe from any thread. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Waits for the loop to finish its drain and final commit. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static long sizeOf(ConsumerRecord<byte[], byte[]> record) {
        long size =
                (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        for (Header h : record.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            for (TopicPartition tp : assigned) {
                partitions.put(tp, new PartitionProgress(tp));
            }
            commits.readCommitted(assigned);
            status.joined();
            if (!assigned.isEmpty()) {
                log.info("assigned {}", assigned);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.stream().noneMatch(partitions::containsKey)) {
                return;
            }
            log.info("revoked {}: finishing started work before giving them up", revoked);
            drainAndCommit(revoked, "revoked");
            forgetAll(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            log.warn("lost {} without a clean hand-over: their unfinished work is redone by the next owner", lost);
            for (TopicPartition tp : lost) {
                PartitionProgress p = partitions.get(tp);
                if (p != null) {
                    p.lease().end();
                    handler.draining(p.lease());
                }
            }
            forgetAll(lost);
        }

        private void forgetAll(Collection<TopicPartition> gone) {
            for (TopicPartition tp : gone) {
                PartitionProgress p = partitions.remove(tp);
                if (p != null) {
                    forget(p);
                }
            }
        }
    }
}
