package io.webhookdispatcher.dispatch;

import static io.webhookdispatcher.dispatch.TestLanes.lane;
import static io.webhookdispatcher.dispatch.TestLanes.queue;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Admission decides from a lane's state alone: abandon, defer (with its reason) or enqueue. */
class AdmissionTest {
    private static final DeliveryScheduler.Bounds BOUNDS =
            new DeliveryScheduler.Bounds(256, 10, 1000, Duration.ofSeconds(1), Duration.ofMinutes(1));
    private final Admission admission = new Admission(BOUNDS);

    @Test
    void shouldEnqueueForAHealthyLaneWithRoom() {
        Lane lane = lane("a", 4);
        queue(lane, 9, 10);

        assertThat(admission.decide(lane, 10, 0, l -> false)).isSameAs(Admission.ENQUEUE);
    }

    @Test
    void shouldDeferAsQueueFullAtTheCountBoundOrTheByteBound() {
        Lane byCount = lane("count", 4);
        queue(byCount, 10, 10);
        Lane byBytes = lane("bytes", 4);
        queue(byBytes, 1, 900);

        assertThat(admission.decide(byCount, 10, 0, l -> false))
                .isEqualTo(new Admission.Defer(DeferralReason.QUEUE_FULL, 0));
        assertThat(admission.decide(byBytes, 101, 0, l -> false))
                .extracting(d -> ((Admission.Defer) d).reason())
                .isEqualTo(DeferralReason.QUEUE_FULL);
        // an empty queue takes one delivery of any size: a large event is never deferred for ever
        assertThat(admission.decide(lane("empty", 4), 5000, 0, l -> false)).isSameAs(Admission.ENQUEUE);
    }

    @Test
    void shouldDeferAsCircuitOpenUntilTheProbeWithoutAskingWhetherTheLaneIsSlow() {
        Lane lane = lane("down", 4);
        for (int i = 0; i < 5; i++) {
            lane.breaker().record(true, false, 0);
        }

        Admission.Decision decision = admission.decide(lane, 10, 0, l -> {
            throw new AssertionError("not asked");
        });

        assertThat(decision).isEqualTo(new Admission.Defer(DeferralReason.CIRCUIT_OPEN, 5000));
    }

    @Test
    void shouldDeferAsRateLimitedWhileARetryAfterHoldsLongerThanTheQueueDelay() {
        Lane lane = lane("held", 4);
        lane.holdUntil(1500);

        assertThat(admission.decide(lane, 10, 0, l -> false))
                .isEqualTo(new Admission.Defer(DeferralReason.RATE_LIMITED, 1500));
        assertThat(admission.decide(lane, 10, 600, l -> false)).isSameAs(Admission.ENQUEUE);
    }

    @Test
    void shouldDeferAsSlowOnlyWhenTheQueueWouldTakeTheDelayAndTheLaneIsSlow() {
        Lane lane = lane("slow", 1);
        lane.observe(Duration.ofMillis(200), 0, true); // 200 ms a request, one at a time
        queue(lane, 4, 10); // 800 ms

        assertThat(admission.decide(lane, 10, 0, l -> true)).isSameAs(Admission.ENQUEUE);

        queue(lane, 1, 10); // 1,000 ms: now it matters whether the lane is slow
        assertThat(admission.decide(lane, 10, 0, l -> false)).isSameAs(Admission.ENQUEUE);
        assertThat(admission.decide(lane, 10, 0, l -> true)).isEqualTo(new Admission.Defer(DeferralReason.SLOW, 1000));
    }

    @Test
    void shouldAbandonAnAutoDisabledLanesDeliveries() {
        Lane lane = lane("disabled", 4);
        lane.endpointDisabled(true);

        assertThat(admission.decide(lane, 10, 0, l -> false)).isEqualTo(new Admission.Abandon("endpoint-disabled"));
    }
}
