package io.webhookdispatcher.consume;

/**
 * How the work for one consumed record ended. Only {@link #DURABLE} lets the loop commit past the record.
 */
public enum RecordCompletion {
    /** Every delivery of the record has a durable outcome: delivered, or acknowledged by a retry or dead-letter topic. */
    DURABLE,
    /** Some of its work was dropped because its partition's lease stopped being active; the next owner redoes it. */
    DROPPED;

    /** DURABLE only if both are. */
    public RecordCompletion and(RecordCompletion other) {
        return this == DURABLE && other == DURABLE ? DURABLE : DROPPED;
    }
}
