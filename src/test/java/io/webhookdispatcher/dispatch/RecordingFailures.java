package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link FailurePath} that records what reached it and makes each write durable at once. */
final class RecordingFailures implements FailurePath {
    record Entry(
            String kind, Delivery delivery, String reason, Duration atLeast, DeliveryOutcome outcome, Duration likely) {
        Entry(String kind, Delivery delivery, String reason, Duration atLeast, DeliveryOutcome outcome) {
            this(kind, delivery, reason, atLeast, outcome, Duration.ZERO);
        }
    }

    final List<Entry> entries = new CopyOnWriteArrayList<>();
    /** Each {@link #deferTogether} call's deliveries (each one is also an entry "deferred"). */
    final List<List<Delivery>> together = new CopyOnWriteArrayList<>();

    List<Entry> of(String kind) {
        return entries.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    List<Entry> of(String kind, String lane) {
        return entries.stream()
                .filter(e -> e.kind().equals(kind) && e.delivery().lane().id().equals(lane))
                .toList();
    }

    @Override
    public CompletableFuture<RecordCompletion> failed(Delivery delivery, DeliveryOutcome outcome) {
        entries.add(new Entry("failed", delivery, null, null, outcome));
        return CompletableFuture.completedFuture(RecordCompletion.DURABLE);
    }

    @Override
    public CompletableFuture<RecordCompletion> defer(
            Delivery delivery, DeferralReason reason, Duration atLeast, Duration likely) {
        entries.add(new Entry("deferred", delivery, reason.wireName, atLeast, null, likely));
        return CompletableFuture.completedFuture(RecordCompletion.DURABLE);
    }

    @Override
    public CompletableFuture<RecordCompletion> deferTogether(
            List<Delivery> deliveries, DeferralReason reason, Duration atLeast, Duration likely) {
        together.add(List.copyOf(deliveries));
        return FailurePath.super.deferTogether(deliveries, reason, atLeast, likely);
    }

    @Override
    public CompletableFuture<RecordCompletion> abandon(Delivery delivery, String reason) {
        entries.add(new Entry("abandoned", delivery, reason, null, null));
        return CompletableFuture.completedFuture(RecordCompletion.DURABLE);
    }
}
