package io.webhookdispatcher.consume;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Takes on the work for one consumed record. */
@FunctionalInterface
public interface RecordHandler {
    /**
     * Called on the poll thread, so it must not block. For each piece of work it starts it calls
     * {@link PendingRecord#retain()} before starting it and {@link PendingRecord#release()} once that
     * work is durably finished; a record with no work left is committed.
     */
    void handle(ConsumerRecord<byte[], byte[]> record, PendingRecord pending);
}
