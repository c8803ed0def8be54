package io.webhookdispatcher.consume;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Takes on the work for consumed records; the consumer loop alone owns offsets, pausing and revocation. */
public interface RecordHandler {

    /**
     * Called on the poll thread, so it never blocks. The returned stage completes once every piece of work the
     * record led to is finished: {@link RecordCompletion#DURABLE} when all of it is durable (delivered, or
     * acknowledged by the retry or dead-letter topic), {@link RecordCompletion#DROPPED} when some of it was
     * dropped because {@code lease} stopped being active. It completes exceptionally only on a bug, which the
     * loop reports (liveness fails) and never commits past.
     */
    CompletionStage<RecordCompletion> handle(ConsumerRecord<byte[], byte[]> record, Lease lease);

    /**
     * The lease is draining: complete the work for it that has not started (queued deliveries, retries waiting
     * for their due time) with {@link RecordCompletion#DROPPED}, so the drain waits only for started work.
     */
    void draining(Lease lease);

    /**
     * When the record is due (epoch ms), if it must not be handled before then; 0 when it may be handled now. The
     * loop leaves a record due further ahead than its hold horizon on the broker and comes back for it, so that
     * only records due soon take memory.
     */
    default long notBeforeMillis(ConsumerRecord<byte[], byte[]> record) {
        return 0;
    }

    /**
     * Flow control beyond memory: true while the loop should stop fetching because the work it would add has
     * nowhere to go. Evaluated by the poll thread after every poll; after a true answer, once it turns false the
     * handler runs {@code wake} (the loop's {@link ConsumerLoop#wake()}), so a paused loop resumes at once.
     */
    default boolean saturated(Runnable wake) {
        return false;
    }
}
