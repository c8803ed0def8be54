package io.webhookdispatcher.consume;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loop's conversation with the broker about committed offsets: it commits each partition's durable prefix,
 * with the offsets done past it as the commit's metadata ({@link DoneOffsets}), and reads them back when a
 * partition is assigned, so its new owner skips what the previous one finished instead of redoing it.
 *
 * <p>Poll thread only: the async commits' callbacks also run there (inside {@code poll} or {@code commitSync}).
 * It reads the loop's partition map, which only the loop changes, so a commit answered after its partition was
 * revoked marks nothing.
 */
final class Commits {
    /** Logs as the loop it is part of: operators filter on that name. */
    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);

    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
    private static final long COMMIT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, PartitionProgress> partitions;
    /** Returns the bookkeeping charge of a record that is no longer tracked once committed past. */
    private final Runnable releaseTracked;

    private long lastCommitNanos = System.nanoTime();

    Commits(
            Consumer<byte[], byte[]> consumer,
            Map<TopicPartition, PartitionProgress> partitions,
            Runnable releaseTracked) {
        this.consumer = consumer;
        this.partitions = partitions;
        this.releaseTracked = releaseTracked;
    }

    /** Whether the periodic commit is due: one every 200 ms at most, whatever the poll rate. */
    boolean due() {
        return System.nanoTime() - lastCommitNanos >= COMMIT_INTERVAL_NANOS;
    }

    /**
     * Commits what moved: a longer durable prefix, or other done offsets past it. Async while polling (a failure
     * is sent again by the next commit); sync when the partitions are given up.
     */
    void commit(Collection<PartitionProgress> which, boolean sync) {
        lastCommitNanos = System.nanoTime();
        var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (PartitionProgress p : which) {
            p.advance(releaseTracked);
            long next = p.committable();
            if (next < 0) {
                continue;
            }
            String done = p.doneBeyondPrefix().encode(next);
            if (next > p.committedOffset() || p.metadataChanged(next, done)) {
                offsets.put(p.topicPartition(), new OffsetAndMetadata(next, done));
            }
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
        commitSync(offsets);
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets, COMMIT_TIMEOUT);
                markCommitted(offsets);
                return;
            } catch (WakeupException e) {
                if (attempt >= 3) {
                    throw e;
                } // a wake() raced with this commit: commit again, it is idempotent
            }
        }
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> {
            PartitionProgress p = partitions.get(tp);
            if (p != null) {
                p.committed(om.offset(), om.metadata());
            }
        });
    }

    /**
     * Reads the newly assigned partitions' commits: their offsets, and the offsets past them their previous owner
     * finished, which are then skipped. Only an optimisation: without it those records are redone.
     */
    void readCommitted(Collection<TopicPartition> assigned) {
        if (assigned.isEmpty()) {
            return;
        }
        try {
            consumer.committed(new HashSet<>(assigned), COMMIT_TIMEOUT).forEach((tp, om) -> {
                PartitionProgress p = partitions.get(tp);
                if (om != null && p != null) {
                    p.skip(DoneOffsets.decode(om.metadata(), om.offset()));
                    p.committed(om.offset(), om.metadata());
                }
            });
        } catch (WakeupException e) {
            consumer.wakeup(); // meant for the poll (stop(), or a resume): pass it on
        } catch (KafkaException e) {
            log.warn("could not read the committed offsets of {}: {}", assigned, e.toString());
        }
    }
}
