package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.consume.RecordHandler;
import io.webhookdispatcher.event.CrmEvent;
import io.webhookdispatcher.event.EventVariables;
import io.webhookdispatcher.event.PayloadFilter;
import io.webhookdispatcher.event.WorkspaceField;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The events topic's handler: parse once, then one delivery per enabled subscription of the event's workspace (or of
 * none) whose {@code events} and {@code filter} match ({@link Subscriptions#matching}); the record is finished when all of them are. Unusable input goes to the dead-letter topic and is finished once that
 * write is acknowledged; tombstones and unmatched events are finished at once.
 */
public final class EventFanOut implements RecordHandler {
    private static final CompletableFuture<RecordCompletion> NOTHING_TO_DO =
            CompletableFuture.completedFuture(RecordCompletion.DURABLE);

    /** Where unusable input goes: completes once the dead-letter write is acknowledged. */
    @FunctionalInterface
    public interface InvalidInputSink {
        CompletableFuture<RecordCompletion> reject(
                ConsumerRecord<byte[], byte[]> record, String reason, String detail, Lease lease);
    }

    private final Subscriptions subscriptions;
    private final DeliveryScheduler scheduler;
    private final InvalidInputSink invalidInput;
    private final DispatcherMetrics metrics;
    private final int maxEventBytes;
    private final TopicIncarnations topicIds;
    private final WorkspaceField workspaceField;

    public EventFanOut(
            Subscriptions subscriptions,
            TopicIncarnations topicIds,
            DeliveryScheduler scheduler,
            InvalidInputSink invalidInput,
            DispatcherMetrics metrics,
            int maxEventBytes,
            WorkspaceField workspaceField) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
        this.topicIds = Objects.requireNonNull(topicIds, "topicIds");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.invalidInput = Objects.requireNonNull(invalidInput, "invalidInput");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.maxEventBytes = maxEventBytes;
        this.workspaceField = Objects.requireNonNull(workspaceField, "workspaceField");
    }

    @Override
    public CompletionStage<RecordCompletion> handle(ConsumerRecord<byte[], byte[]> record, Lease lease) {
        metrics.consumed(record.topic());
        if (record.value() == null) {
            metrics.tombstone();
            return NOTHING_TO_DO;
        }
        CrmEvent event;
        try {
            event = CrmEvent.parse(record.value(), maxEventBytes, workspaceField);
        } catch (CrmEvent.InvalidEventException e) {
            String reason = e.kind().reason;
            metrics.invalid(reason);
            return invalidInput.reject(record, reason, e.getMessage(), lease);
        }
        List<Lane> lanes = filtered(subscriptions.matching(event.type(), event.workspaceId()), record.value(), event);
        if (lanes.isEmpty()) {
            metrics.unmatched();
            return NOTHING_TO_DO;
        }
        var origin = new Delivery.Origin(record.topic(), record.partition(), record.offset(), record.timestamp());
        Instant occurredAt = event.occurredAt() != null ? event.occurredAt() : Instant.ofEpochMilli(record.timestamp());
        String type = event.type().toString();
        String topicId = topicIds.idOf(record);
        List<Delivery> deliveries = new ArrayList<>(lanes.size());
        for (Lane lane : lanes) {
            var message = new Delivery.Message(
                    DeliveryIds.of(topicId, record.topic(), record.partition(), record.offset(), lane.id()),
                    record.key(),
                    record.value(),
                    type,
                    occurredAt,
                    origin);
            deliveries.add(Delivery.first(message, lane, lease));
        }
        return scheduler.submitAll(deliveries);
    }

    /**
     * The lanes whose payload filter (if any) matches. The event is parsed for the filters at most once, and only
     * when one of the lanes has a filter; a filter that fails on this event does not match and is counted.
     */
    private List<Lane> filtered(List<Lane> lanes, byte[] value, CrmEvent event) {
        List<Lane> result = null;
        Map<String, Object> variables = null;
        boolean unreadable = false;
        for (int i = 0; i < lanes.size(); i++) {
            Lane lane = lanes.get(i);
            Optional<PayloadFilter> filter = lane.subscription().filter();
            if (filter.isEmpty()) {
                if (result != null) {
                    result.add(lane);
                }
                continue;
            }
            if (variables == null && !unreadable) {
                try {
                    variables = EventVariables.of(value, event);
                } catch (IOException | RuntimeException e) {
                    unreadable = true; // e.g. nested deeper than the parser allows: every filter fails on it
                }
            }
            PayloadFilter.Verdict verdict =
                    unreadable ? PayloadFilter.Verdict.ERROR : filter.get().test(variables);
            if (verdict == PayloadFilter.Verdict.MATCH) {
                if (result != null) {
                    result.add(lane);
                }
                continue;
            }
            if (verdict == PayloadFilter.Verdict.ERROR) {
                metrics.filterError(lane.id());
            } else {
                metrics.filteredOut(lane.id());
            }
            if (result == null) {
                result = new ArrayList<>(lanes.subList(0, i)); // the lanes before this one all passed
            }
        }
        return result == null ? lanes : result;
    }

    @Override
    public void draining(Lease lease) {
        scheduler.drain(lease);
    }

    @Override
    public boolean saturated(Runnable wake) {
        return scheduler.saturated(wake);
    }
}
