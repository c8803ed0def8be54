package io.webhookdispatcher.consume;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which of a loop's partitions are paused, decided before every poll with hysteresis: all of them while the loop's
 * memory share is exhausted (until it has recovered) or the handler is saturated; one while it has its
 * {@code maxUnfinishedPerPartition} unfinished records (until below half) or its next record is not yet due.
 *
 * <p>A paused loop is woken, not left to its poll timeout: whoever makes a resume possible calls {@link #wake()}.
 * {@link #mayBePaused} is set before the counters are read, and releasers update their counters before they read
 * it (both volatile), so a release racing with a decision either is seen by it or sees the flag and wakes the poll.
 */
final class PauseControl {
    private final Consumer<byte[], byte[]> consumer;
    private final RecordHandler handler;
    private final MemoryBudget.Account memory;
    private final int maxUnfinishedPerPartition;
    private final Clock clock;
    /** Set before the decision and cleared when nothing is paused. */
    private volatile boolean mayBePaused;

    private boolean memoryPaused;
    private boolean handlerPaused;
    /** Run by the handler when its saturation ends (one object, not a new lambda per poll). */
    private final Runnable wakeLoop = this::wake;

    PauseControl(
            Consumer<byte[], byte[]> consumer,
            RecordHandler handler,
            MemoryBudget.Account memory,
            int maxUnfinishedPerPartition,
            Clock clock) {
        this.consumer = consumer;
        this.handler = handler;
        this.memory = memory;
        this.maxUnfinishedPerPartition = maxUnfinishedPerPartition;
        this.clock = clock;
    }

    /** Poll thread: pauses what has no room and resumes what has. */
    void apply(Collection<PartitionProgress> partitions) {
        mayBePaused = true;
        memoryPaused = memoryPaused ? !memory.recovered() : memory.exhausted();
        handlerPaused = handler.saturated(wakeLoop);
        boolean loopWide = memoryPaused || handlerPaused;
        int cap = maxUnfinishedPerPartition;
        var pause = new ArrayList<TopicPartition>();
        var resume = new ArrayList<TopicPartition>();
        boolean anyPaused = false;
        long now = clock.millis();
        for (PartitionProgress p : partitions) {
            boolean full = cap > 0 && (p.paused() ? p.unfinished() > cap / 2 : p.unfinished() >= cap);
            boolean shouldPause = loopWide || full || p.pausedUntil() > now;
            if (shouldPause && !p.paused()) {
                pause.add(p.topicPartition());
            } else if (!shouldPause && p.paused()) {
                resume.add(p.topicPartition());
            }
            p.paused(shouldPause);
            anyPaused |= shouldPause;
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
        mayBePaused = anyPaused;
    }

    /** Any thread: a record of a partition finished, which now has {@code unfinished}; at half its cap it may resume. */
    void finished(int unfinished) {
        if (maxUnfinishedPerPartition > 0 && unfinished == maxUnfinishedPerPartition / 2) {
            wake();
        }
    }

    /** Makes a paused loop re-check now instead of after its poll timeout. Any thread. */
    void wake() {
        if (mayBePaused) {
            consumer.wakeup();
        }
    }

    /** True while the memory budget or the handler keeps the whole loop paused. */
    boolean loopPaused() {
        return memoryPaused || handlerPaused;
    }
}
