package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.CrmEvent;
import io.webhookdispatcher.consume.PendingRecord;
import io.webhookdispatcher.consume.RecordHandler;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The events topic's handler: parse once, then one delivery per enabled subscription whose filter
 * matches. Unusable input goes to the dead-letter topic and is committed once that write is
 * acknowledged; tombstones and unmatched events are counted and committed.
 */
public final class EventFanOut implements RecordHandler {
    /** Where unusable input goes: completes once the dead-letter write is acknowledged. */
    @FunctionalInterface
    public interface InvalidInputSink {
        CompletableFuture<Void> reject(ConsumerRecord<byte[], byte[]> record, String reason, String detail);
    }

    private final Subscriptions subscriptions;
    private final DeliveryScheduler scheduler;
    private final InvalidInputSink invalidInput;
    private final DispatcherMetrics metrics;
    private final int maxEventBytes;

    public EventFanOut(Subscriptions subscriptions, DeliveryScheduler scheduler, InvalidInputSink invalidInput,
                       DispatcherMetrics metrics, int maxEventBytes) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.invalidInput = Objects.requireNonNull(invalidInput, "invalidInput");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.maxEventBytes = maxEventBytes;
    }

    @Override
    public void handle(ConsumerRecord<byte[], byte[]> record, PendingRecord pending) {
        metrics.consumed(record.topic());
        if (record.value() == null) {
            metrics.tombstone();
            return;
        }
        CrmEvent event;
        try {
            event = CrmEvent.parse(record.value(), maxEventBytes);
        } catch (CrmEvent.InvalidEventException e) {
            String reason = e.kind().reason;
            metrics.invalid(reason);
            pending.retain();
            invalidInput.reject(record, reason, e.getMessage()).thenRun(pending::release);
            return;
        }
        List<Lane> lanes = subscriptions.matching(event.type());
        if (lanes.isEmpty()) {
            metrics.unmatched();
            return;
        }
        var origin = new Delivery.Origin(record.topic(), record.partition(), record.offset(), record.timestamp());
        Instant occurredAt = event.occurredAt() != null ? event.occurredAt() : Instant.ofEpochMilli(record.timestamp());
        String type = event.type().toString();
        for (Lane lane : lanes) {
            pending.retain();
            scheduler.submit(new Delivery(lane,
                    DeliveryIds.of(record.topic(), record.partition(), record.offset(), lane.id()),
                    record.key(), record.value(), type, occurredAt, origin, 1, null, pending));
        }
    }
}
