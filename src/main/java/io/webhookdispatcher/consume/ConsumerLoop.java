package io.webhookdispatcher.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of one consumer. It hands records to a {@link RecordHandler}, commits offsets only up
 * to finished work, and applies back-pressure by pausing partitions; it never waits on HTTP.
 *
 * <pre>
 *   poll ──► handler.handle(record, pending)  ──► deliveries run elsewhere, release(pending) when durable
 *     ▲                                                         │
 *     └── pause/resume by waiting work ◄── commit first unfinished offset ◄─┘
 * </pre>
 *
 * On revocation and on {@link #stop()}, it waits (bounded) for started work, commits what finished and
 * drops the rest, which the partition's next owner redoes.
 */
public final class ConsumerLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    /** While a partition is paused, poll often so it resumes soon after its backlog drains. */
    private static final Duration PAUSED_POLL_TIMEOUT = Duration.ofMillis(5);
    private static final long COMMIT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /**
     * Back-pressure for one partition: pause when this much work from it waits for a start, resume when
     * it drops below {@code resumeBelow}.
     */
    public record FlowControl(int pauseAt, int resumeBelow) {
        public FlowControl {
            if (resumeBelow < 1 || resumeBelow > pauseAt) {
                throw new IllegalArgumentException("need 1 <= resumeBelow <= pauseAt");
            }
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Collection<String> topics;
    private final RecordHandler handler;
    private final FlowControl flow;
    private final Duration drainTimeout;
    private final LoopStatus status;
    private final Map<TopicPartition, PartitionProgress> partitions = new HashMap<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean running = true;
    private long lastCommitNanos = System.nanoTime();

    public ConsumerLoop(Consumer<byte[], byte[]> consumer, Collection<String> topics, RecordHandler handler,
                        FlowControl flow, Duration drainTimeout, LoopStatus status) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topics = List.copyOf(topics);
        this.handler = Objects.requireNonNull(handler, "handler");
        this.flow = Objects.requireNonNull(flow, "flow");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.status = Objects.requireNonNull(status, "status");
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(topics, new Rebalance());
            while (running) {
                pollOnce();
            }
            drainAndCommit(new ArrayList<>(partitions.keySet()));
        } catch (Throwable t) {
            status.failed(t);
            log.error("consumer loop for {} stopped by an unexpected error; nothing past finished work was committed",
                    topics, t);
        } finally {
            partitions.values().forEach(PartitionProgress::revoke);
            partitions.clear(); // handed over: closing the consumer must not drain them again
            finished.countDown();
        }
    }

    private void pollOnce() {
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(consumer.paused().isEmpty() ? POLL_TIMEOUT : PAUSED_POLL_TIMEOUT);
        } catch (WakeupException e) {
            records = ConsumerRecords.empty(); // stop() was called
        }
        status.polled();
        for (TopicPartition tp : records.partitions()) {
            PartitionProgress progress = partitions.get(tp);
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                PendingRecord pending = progress.track(record.offset());
                try {
                    handler.handle(record, pending);
                } finally {
                    pending.release();
                }
            }
        }
        applyFlowControl();
        if (System.nanoTime() - lastCommitNanos >= COMMIT_INTERVAL_NANOS) {
            commit(false);
        }
    }

    private void applyFlowControl() {
        var pause = new ArrayList<TopicPartition>();
        var resume = new ArrayList<TopicPartition>();
        for (PartitionProgress p : partitions.values()) {
            if (!p.paused() && p.waiting() >= flow.pauseAt()) {
                p.paused(true);
                pause.add(p.topicPartition());
            } else if (p.paused() && p.waiting() < flow.resumeBelow()) {
                p.paused(false);
                resume.add(p.topicPartition());
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private void commit(boolean sync) {
        commit(partitions.values(), sync);
    }

    private void commit(Collection<PartitionProgress> which, boolean sync) {
        lastCommitNanos = System.nanoTime();
        var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (PartitionProgress p : which) {
            p.advance().ifPresent(next -> offsets.put(p.topicPartition(), new OffsetAndMetadata(next)));
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (!sync) {
            consumer.commitAsync(offsets, (committed, e) -> {
                if (e != null) {
                    log.warn("offset commit failed, the next commit sends it again: {}", e.toString());
                } else {
                    markCommitted(committed);
                }
            });
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets);
                markCommitted(offsets);
                return;
            } catch (WakeupException e) {
                if (attempt >= 3) {
                    throw e;
                } // stop() raced with this commit: commit again, it is idempotent
            }
        }
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> {
            PartitionProgress p = partitions.get(tp);
            if (p != null) {
                p.committed(om.offset());
            }
        });
    }

    /**
     * Stops starting queued work for these partitions, waits (bounded) for the started work to finish,
     * then commits what finished.
     */
    private void drainAndCommit(Collection<TopicPartition> which) {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        var progress = new ArrayList<PartitionProgress>();
        which.forEach(tp -> {
            if (partitions.containsKey(tp)) {
                progress.add(partitions.get(tp));
            }
        });
        progress.forEach(PartitionProgress::revoke);
        while (!progress.stream().allMatch(PartitionProgress::quiescent) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10); // only while draining: the poll loop has stopped for these partitions
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!progress.stream().allMatch(PartitionProgress::quiescent)) {
            log.warn("drain timed out after {}: unfinished work on {} is not committed and will be redelivered",
                    drainTimeout, which);
        }
        try {
            commit(progress, true);
        } catch (KafkaException e) {
            // e.g. the group moved on: the next owner redoes what was not committed (duplicates only)
            log.warn("final commit for {} failed: {}", which, e.toString());
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            for (TopicPartition tp : assigned) {
                partitions.put(tp, new PartitionProgress(tp));
            }
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
            drainAndCommit(revoked);
            forget(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            log.warn("lost {} without a clean hand-over: their unfinished work is redone by the next owner", lost);
            forget(lost);
        }

        private void forget(Collection<TopicPartition> gone) {
            for (TopicPartition tp : gone) {
                PartitionProgress p = partitions.remove(tp);
                if (p != null) {
                    p.revoke();
                }
            }
        }
    }
}
