package io.webhookdispatcher.retry;

import static io.webhookdispatcher.retry.WebhookHeaders.get;

import io.webhookdispatcher.consume.PartitionProgress;
import io.webhookdispatcher.consume.PendingRecord;
import io.webhookdispatcher.consume.RecordHandler;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryScheduler;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry topics' handler. A record waits, in memory, until its due time, then becomes a delivery to
 * its one subscription. Waiting records count as waiting work of their partition, so the consumer loop
 * pauses a partition once enough of its records wait, instead of sleeping or buffering without bound;
 * because each topic has one fixed delay, the records it holds are the next ones due.
 *
 * <p>A retry whose subscription was removed or disabled in the meantime is dead-lettered instead.
 */
public final class RetryIntake implements RecordHandler {
    private static final Logger log = LoggerFactory.getLogger(RetryIntake.class);

    private final Subscriptions subscriptions;
    private final DeliveryScheduler scheduler;
    private final DeadLetters deadLetters;
    private final ScheduledExecutorService timer;
    private final DispatcherMetrics metrics;
    private final Clock clock;
    private final Map<PartitionProgress, Set<Due>> waiting = new ConcurrentHashMap<>();

    public RetryIntake(Subscriptions subscriptions, DeliveryScheduler scheduler, DeadLetters deadLetters,
                       ScheduledExecutorService timer, DispatcherMetrics metrics, Clock clock) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void handle(ConsumerRecord<byte[], byte[]> record, PendingRecord pending) {
        metrics.consumed(record.topic());
        Headers h = record.headers();
        Optional<String> subscription = get(h, WebhookHeaders.SUBSCRIPTION);
        Optional<String> deliveryId = get(h, WebhookHeaders.DELIVERY_ID);
        if (subscription.isEmpty() || deliveryId.isEmpty() || record.value() == null) {
            abandon(record, pending, "invalid-retry-record");
            return;
        }
        Optional<Lane> lane = subscriptions.lane(subscription.get());
        if (lane.isEmpty() || lane.get().removed()) {
            abandon(record, pending, DeadLetters.SUBSCRIPTION_REMOVED);
            return;
        }
        if (!lane.get().subscription().enabled()) {
            abandon(record, pending, DeadLetters.SUBSCRIPTION_DISABLED);
            return;
        }
        Delivery delivery;
        Instant dueAt;
        try {
            delivery = new Delivery(lane.get(), deliveryId.get(), record.key(), record.value(),
                    get(h, WebhookHeaders.EVENT_TYPE).orElse("unknown"),
                    get(h, WebhookHeaders.EVENT_TIME).map(Instant::parse).orElse(null),
                    new Delivery.Origin(get(h, WebhookHeaders.ORIGINAL_TOPIC).orElse(record.topic()),
                            get(h, WebhookHeaders.ORIGINAL_PARTITION).map(Integer::parseInt).orElse(record.partition()),
                            get(h, WebhookHeaders.ORIGINAL_OFFSET).map(Long::parseLong).orElse(record.offset()),
                            get(h, WebhookHeaders.ORIGINAL_TIMESTAMP).map(t -> Instant.parse(t).toEpochMilli())
                                    .orElse(record.timestamp())),
                    Math.max(0, Integer.parseInt(get(h, WebhookHeaders.ATTEMPTS).orElse("0"))) + 1,
                    get(h, WebhookHeaders.FIRST_ATTEMPT_AT).map(Instant::parse).orElse(null),
                    pending);
            dueAt = get(h, WebhookHeaders.DUE_AT).map(Instant::parse).orElse(Instant.EPOCH);
        } catch (RuntimeException malformed) {
            log.warn("unreadable retry record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    malformed.toString());
            abandon(record, pending, "invalid-retry-record");
            return;
        }
        pending.retain();
        long delayMillis = dueAt.toEpochMilli() - clock.millis();
        if (delayMillis <= 0) {
            scheduler.submit(delivery);
            return;
        }
        var due = new Due(record, delivery);
        pending.partition().waitingAdded();
        waiting.computeIfAbsent(pending.partition(), p -> ConcurrentHashMap.newKeySet()).add(due);
        due.future = timer.schedule(due, delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Drops the waiting retries of revoked partitions (their next owner reads them again), so they do
     * not sit in memory until their due time. Called periodically on the timer thread.
     */
    public void forgetRevoked() {
        waiting.entrySet().removeIf(e -> {
            if (!e.getKey().revoked()) {
                return false;
            }
            for (Due due : e.getValue()) {
                if (due.future != null && due.future.cancel(false)) {
                    e.getKey().waitingRemoved();
                    due.delivery.source().abandon();
                }
            }
            return true;
        });
    }

    /** A retry waiting for its due time; when it comes, the subscription is checked again. */
    private final class Due implements Runnable {
        final ConsumerRecord<byte[], byte[]> record;
        final Delivery delivery;
        volatile ScheduledFuture<?> future;

        Due(ConsumerRecord<byte[], byte[]> record, Delivery delivery) {
            this.record = record;
            this.delivery = delivery;
        }

        @Override
        public void run() {
            PendingRecord pending = delivery.source();
            Set<Due> set = waiting.get(pending.partition());
            if (set != null) {
                set.remove(this);
            }
            pending.partition().waitingRemoved();
            if (pending.partition().revoked()) {
                pending.abandon();
            } else if (delivery.lane().removed()) {
                deadLetter(record, pending, DeadLetters.SUBSCRIPTION_REMOVED);
            } else if (!delivery.lane().subscription().enabled()) {
                deadLetter(record, pending, DeadLetters.SUBSCRIPTION_DISABLED);
            } else {
                scheduler.submit(delivery);
            }
        }
    }

    private void abandon(ConsumerRecord<byte[], byte[]> record, PendingRecord pending, String reason) {
        pending.retain();
        deadLetter(record, pending, reason);
    }

    /** Dead-letters a retry that will not be attempted; {@code pending} was retained for it. */
    private void deadLetter(ConsumerRecord<byte[], byte[]> record, PendingRecord pending, String reason) {
        deadLetters.retryAbandoned(record, reason).thenRun(() -> {
            metrics.deadLettered(get(record.headers(), WebhookHeaders.SUBSCRIPTION).orElse("unknown"),
                    get(record.headers(), WebhookHeaders.EVENT_TYPE).orElse("unknown"));
            pending.release();
        });
    }
}
