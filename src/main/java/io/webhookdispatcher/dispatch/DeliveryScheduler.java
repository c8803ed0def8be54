package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.http.JdkWebhookSender;
import io.webhookdispatcher.http.JdkWebhookSender.WebhookRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs deliveries concurrently within two bounds: {@code maxInFlight} overall and
 * {@code maxInFlightPerSubscription} per lane. Work beyond the bounds waits in its lane's queue, which
 * the consumer loop keeps short by pausing partitions (see {@code PartitionProgress#waiting}); lanes
 * take turns, so a saturated lane never holds up the others' permits.
 *
 * <p>Never blocks its caller: {@link #submit} only queues, and HTTP runs on the client's executor.
 */
public final class DeliveryScheduler {
    private final JdkWebhookSender sender;
    private final OutcomeHandler outcomes;
    private final Clock clock;
    private final int maxInFlight;
    private final int maxPerLane;
    private final Object lock = new Object();
    private final ArrayDeque<Lane> ready = new ArrayDeque<>(); // lanes with queued work, guarded by lock
    private final AtomicInteger inFlight = new AtomicInteger();

    public DeliveryScheduler(JdkWebhookSender sender, OutcomeHandler outcomes, Clock clock, int maxInFlight,
                             int maxPerLane) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxInFlight = maxInFlight;
        this.maxPerLane = maxPerLane;
    }

    /** Queues a delivery whose source has been retained; it starts as soon as both bounds allow. */
    public void submit(Delivery delivery) {
        delivery.source().partition().waitingAdded();
        synchronized (lock) {
            Lane lane = delivery.lane();
            lane.queue.addLast(delivery);
            if (!lane.ready) {
                lane.ready = true;
                ready.addLast(lane);
            }
        }
        pump();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Starts what the bounds allow, lanes in turn. Sends happen outside the lock. */
    private void pump() {
        List<Delivery> start = null;
        synchronized (lock) {
            int blocked = 0; // lanes passed over in a row because they are at their own bound
            while (inFlight.get() < maxInFlight && blocked < ready.size()) {
                Lane lane = ready.pollFirst();
                if (lane.inFlight.get() >= maxPerLane) {
                    ready.addLast(lane);
                    blocked++;
                    continue;
                }
                Delivery d = lane.queue.pollFirst();
                if (lane.queue.isEmpty()) {
                    lane.ready = false;
                } else {
                    ready.addLast(lane);
                }
                d.source().partition().waitingRemoved();
                if (d.source().partition().revoked()) {
                    d.source().abandon(); // its partition moved on; the next owner redoes the record
                    continue;
                }
                blocked = 0;
                lane.inFlight.incrementAndGet();
                inFlight.incrementAndGet();
                if (start == null) {
                    start = new ArrayList<>();
                }
                start.add(d);
            }
        }
        if (start != null) {
            start.forEach(this::send);
        }
    }

    private void send(Delivery d) {
        Instant attemptAt = clock.instant();
        Delivery attempt = d.firstAttemptAt() == null
                ? new Delivery(d.lane(), d.deliveryId(), d.key(), d.body(), d.eventType(), d.occurredAt(),
                        d.origin(), d.attempt(), attemptAt, d.source())
                : d;
        Lane.Target target = d.lane().target();
        // the sender completes every attempt with an outcome, never exceptionally
        sender.send(new WebhookRequest(target.subscription().url(), target.signer(), d.deliveryId(), d.body()))
                .thenAccept(outcome -> completed(attempt, outcome));
    }

    private void completed(Delivery d, DeliveryOutcome outcome) {
        d.lane().inFlight.decrementAndGet();
        inFlight.decrementAndGet();
        pump();
        outcomes.handle(d, outcome);
    }
}
