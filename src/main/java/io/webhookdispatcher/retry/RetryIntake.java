package io.webhookdispatcher.retry;

import static io.webhookdispatcher.retry.WebhookHeaders.get;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.consume.RecordHandler;
import io.webhookdispatcher.dispatch.Delivery;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryScheduler;
import io.webhookdispatcher.dispatch.FailurePath;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry topics' handler. A record waits in memory until its due time, then goes to its one subscription
 * through the scheduler like any delivery — so a subscription whose circuit is open, or which is too slow, gets
 * it deferred again (one step further) without using a permit or holding the read-ahead, and other
 * subscriptions' due retries never wait behind it. Waiting records count against the loop's read-ahead and
 * memory share, so the loop pauses instead of buffering without bound; each topic has one delay, so the records
 * it holds are the next ones due.
 *
 * <p>Due-time guarantee, per subscription: a retry is never attempted before its due time; once due it is
 * handed to its subscription at once, whatever other subscriptions' state, and it starts as soon as that
 * subscription's own permits, rate limit and circuit allow (or is deferred one step further if they do not).
 *
 * <p>A retry whose subscription was removed or disabled in the meantime is dead-lettered instead.
 */
public final class RetryIntake implements RecordHandler {
    private static final Logger log = LoggerFactory.getLogger(RetryIntake.class);
    private static final Duration INCARNATION_MARGIN = Duration.ofSeconds(1);

    private final Subscriptions subscriptions;
    private final DeliveryScheduler scheduler;
    private final FailurePath failures;
    private final DeadLetters deadLetters;
    private final ScheduledExecutorService timer;
    private final DispatcherMetrics metrics;
    private final Clock clock;
    private final Map<Lease, Set<Due>> waiting = new ConcurrentHashMap<>();

    public RetryIntake(
            Subscriptions subscriptions,
            DeliveryScheduler scheduler,
            FailurePath failures,
            DeadLetters deadLetters,
            ScheduledExecutorService timer,
            DispatcherMetrics metrics,
            Clock clock) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletionStage<RecordCompletion> handle(ConsumerRecord<byte[], byte[]> record, Lease lease) {
        metrics.consumed(record.topic());
        Headers h = record.headers();
        List<Addressee> addressees;
        Delivery.Message message;
        Delivery.RetryState retry;
        Instant dueAt;
        try { // every header is read here, once: one that does not parse dead-letters the record, never wedges it
            addressees = addressees(h);
            if (record.value() == null) {
                throw new IllegalArgumentException("no value");
            }
            message = message(record, addressees.get(0).deliveryId());
            retry = retryState(h);
            dueAt = get(h, WebhookHeaders.DUE_AT).map(Instant::parse).orElse(Instant.EPOCH);
        } catch (RuntimeException malformed) {
            return unusable(record, lease, malformed);
        }
        List<Delivery> deliveries = new ArrayList<>(addressees.size());
        CompletableFuture<RecordCompletion> unknown = null;
        for (Addressee a : addressees) {
            Optional<Lane> lane = subscriptions.lane(a.subscription());
            if (lane.isPresent()) {
                deliveries.add(new Delivery(message.withDeliveryId(a.deliveryId()), retry, lane.get(), lease));
            } else if (addressees.size() == 1) {
                return unusable(record, lease, new IllegalArgumentException("no configured subscription"));
            } else { // dead-lettered alone, addressed to it, so it can be replayed once it is configured again
                unknown = and(unknown, deadLetters.unreadableRetry(record, a.subscription(), a.deliveryId(), lease));
            }
        }
        if (deliveries.isEmpty()) {
            return unknown;
        }
        long delayMillis = dueAt.toEpochMilli() - clock.millis();
        if (delayMillis <= 0) {
            return and(unknown, release(deliveries));
        }
        var due = new Due(deliveries);
        waiting.computeIfAbsent(lease, l -> ConcurrentHashMap.newKeySet()).add(due);
        try {
            due.timer = timer.schedule(due, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            due.drop();
        }
        return and(unknown, due.done);
    }

    /** A subscription a retry record is for, and the delivery id it keeps for it. */
    private record Addressee(String subscription, String deliveryId) {}

    /** Its one subscription and delivery id, or the several of deliveries deferred together. */
    private static List<Addressee> addressees(Headers h) {
        Optional<String> group = get(h, WebhookHeaders.SUBSCRIPTIONS);
        if (group.isEmpty()) {
            return List.of(new Addressee(
                    get(h, WebhookHeaders.SUBSCRIPTION)
                            .orElseThrow(() -> new IllegalArgumentException("no subscription")),
                    get(h, WebhookHeaders.DELIVERY_ID)
                            .orElseThrow(() -> new IllegalArgumentException("no delivery id"))));
        }
        List<Addressee> result = new ArrayList<>();
        for (String pair : group.get().split(",")) {
            int colon = pair.indexOf(':');
            if (colon <= 0 || colon == pair.length() - 1) {
                throw new IllegalArgumentException("malformed " + WebhookHeaders.SUBSCRIPTIONS + ": " + pair);
            }
            result.add(new Addressee(pair.substring(0, colon), pair.substring(colon + 1)));
        }
        return result;
    }

    /**
     * Dead-lettered with its headers as they were, so it can still be replayed (e.g. once its subscription is
     * configured again); no meter is made for a subscription id that is not configured.
     */
    private CompletableFuture<RecordCompletion> unusable(
            ConsumerRecord<byte[], byte[]> record, Lease lease, RuntimeException why) {
        log.warn(
                "unusable retry record {}-{}@{}: {}",
                record.topic(),
                record.partition(),
                record.offset(),
                why.toString());
        return deadLetters.unreadableRetry(record, lease);
    }

    private static CompletableFuture<RecordCompletion> and(
            CompletableFuture<RecordCompletion> a, CompletableFuture<RecordCompletion> b) {
        return a == null ? b : a.thenCombine(b, RecordCompletion::and);
    }

    /** Its {@code webhook.due-at}: the loop leaves records due later than its horizon on the broker until then. */
    @Override
    public long notBeforeMillis(ConsumerRecord<byte[], byte[]> record) {
        try {
            return get(record.headers(), WebhookHeaders.DUE_AT)
                    .map(t -> Instant.parse(t).toEpochMilli())
                    .orElse(0L);
        } catch (RuntimeException unreadable) {
            return 0; // handled (and dead-lettered) at once
        }
    }

    /** Due now: to their subscriptions, except those removed or disabled in the meantime (dead-lettered). */
    private CompletableFuture<RecordCompletion> release(List<Delivery> deliveries) {
        CompletableFuture<RecordCompletion> all = null;
        List<Delivery> live = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            Lane lane = delivery.lane();
            if (lane.removed() || ofEarlierIncarnation(delivery)) {
                all = and(all, failures.abandon(delivery, DeadLetters.SUBSCRIPTION_REMOVED));
            } else if (!lane.subscription().enabled()) {
                all = and(all, failures.abandon(delivery, DeadLetters.SUBSCRIPTION_DISABLED));
            } else {
                live.add(delivery);
            }
        }
        // an auto-disabled lane's are dead-lettered there (endpoint-disabled)
        return live.isEmpty() ? all : and(all, scheduler.submitAll(live));
    }

    /**
     * Whether the delivery went on the failure path before its subscription was created: it was a deleted
     * subscription's of the same id (re-created through topics.subscriptions), which the new one must not get. A
     * second of margin for the clocks of the replica that wrote it and of the one that created it.
     */
    private static boolean ofEarlierIncarnation(Delivery delivery) {
        Instant since = delivery.retry().pendingSince();
        return since != null
                && delivery.lane()
                        .subscription()
                        .createdAt()
                        .filter(created -> since.isBefore(created.minus(INCARNATION_MARGIN)))
                        .isPresent();
    }

    /** Waiting retries of a draining lease are dropped: the next owner reads them again. */
    @Override
    public void draining(Lease lease) {
        Set<Due> dues = waiting.remove(lease);
        if (dues != null) {
            dues.forEach(Due::drop);
        }
        scheduler.drain(lease);
    }

    private static Delivery.Message message(ConsumerRecord<byte[], byte[]> record, String deliveryId) {
        Headers h = record.headers();
        return new Delivery.Message(
                deliveryId,
                record.key(),
                record.value(),
                get(h, WebhookHeaders.EVENT_TYPE).orElse("unknown"),
                get(h, WebhookHeaders.EVENT_TIME).map(Instant::parse).orElse(null),
                new Delivery.Origin(
                        get(h, WebhookHeaders.ORIGINAL_TOPIC).orElse(record.topic()),
                        get(h, WebhookHeaders.ORIGINAL_PARTITION)
                                .map(Integer::parseInt)
                                .orElse(record.partition()),
                        get(h, WebhookHeaders.ORIGINAL_OFFSET)
                                .map(Long::parseLong)
                                .orElse(record.offset()),
                        get(h, WebhookHeaders.ORIGINAL_TIMESTAMP)
                                .map(t -> Instant.parse(t).toEpochMilli())
                                .orElse(record.timestamp())));
    }

    private static Delivery.RetryState retryState(Headers h) {
        return new Delivery.RetryState(
                Math.max(0, Integer.parseInt(get(h, WebhookHeaders.ATTEMPTS).orElse("0"))) + 1,
                get(h, WebhookHeaders.FIRST_ATTEMPT_AT).map(Instant::parse).orElse(null),
                Math.max(0, Integer.parseInt(get(h, WebhookHeaders.DEFERRALS).orElse("0"))),
                get(h, WebhookHeaders.DEFERRED_SINCE).map(Instant::parse).orElse(null),
                last(h));
    }

    /** The previous attempt's diagnostics, carried to the next record or dead letter. */
    private static Delivery.Attempted last(Headers h) {
        Optional<Instant> at = get(h, WebhookHeaders.LAST_ATTEMPT_AT).map(Instant::parse);
        if (at.isEmpty()) {
            return null;
        }
        int status = get(h, WebhookHeaders.LAST_STATUS).map(Integer::parseInt).orElse(0);
        return new Delivery.Attempted(
                at.get(),
                new DeliveryOutcome.Failure(
                        DeliveryOutcome.AttemptResult.ofStatus(status),
                        status,
                        get(h, WebhookHeaders.ERROR_CLASS).orElse(""),
                        get(h, WebhookHeaders.ERROR_MESSAGE).orElse(""),
                        get(h, WebhookHeaders.RESPONSE_BODY).orElse(""),
                        Duration.ZERO));
    }

    /** A retry waiting for its due time; exactly one of its timer and a drain claims it. */
    private final class Due implements Runnable {
        final List<Delivery> deliveries;
        final CompletableFuture<RecordCompletion> done = new CompletableFuture<>();
        final java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        volatile ScheduledFuture<?> timer;

        Due(List<Delivery> deliveries) {
            this.deliveries = deliveries;
        }

        @Override
        public void run() {
            if (!claimed.compareAndSet(false, true)) {
                return; // dropped by a drain that raced with the timer
            }
            Lease lease = deliveries.get(0).lease();
            Set<Due> set = waiting.get(lease);
            if (set != null) {
                set.remove(this);
            }
            if (!lease.active()) {
                done.complete(RecordCompletion.DROPPED);
                return;
            }
            try {
                release(deliveries).whenComplete((how, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else {
                        done.complete(how);
                    }
                });
            } catch (RuntimeException bug) {
                done.completeExceptionally(bug);
            }
        }

        void drop() {
            if (!claimed.compareAndSet(false, true)) {
                return; // its timer fired first: it is on its way, and finishes on its own
            }
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            done.complete(RecordCompletion.DROPPED);
        }
    }
}
