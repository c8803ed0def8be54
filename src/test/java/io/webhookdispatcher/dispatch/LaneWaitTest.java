package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A lane's wait on its workspace's share counts as its latency only while it lasts. */
class LaneWaitTest {
    private final Lane lane = TestLanes.lane("ok", 64, "w");

    @Test
    void shouldCountAWaitOnTheWorkspacesShareAsLatencyWhileItLasts() {
        TestLanes.queue(lane, 2, 100);
        lane.waitsOnWorkspace(1_000);
        assertThat(lane.latencyMillis(2_500)).isEqualTo(1_500);
    }

    @Test
    void shouldDueItsDeferralsAfterTheWaitOnceNotOncePerQueuedDelivery() {
        // given: an endpoint answering in 20 ms, 10 queued behind its workspace's share for 3 s
        for (int i = 0; i < Lane.MIN_ANSWERS; i++) {
            lane.observe(java.time.Duration.ofMillis(20), 0, true);
        }
        TestLanes.queue(lane, 10, 100);
        lane.waitsOnWorkspace(1_000);

        // then: its deferrals are due after 3 s, then 10 × 20 ms, soon after the share frees, not 10 × 3 s later;
        // it is still judged (slow or not) by the wait, so that hung siblings' share never holds the consumer back
        assertThat(lane.dueEstimateMillis(4_000)).isEqualTo(3_000 + 200);
        assertThat(lane.drainEstimateMillis(4_000)).isEqualTo(10 * 3_000);
        assertThat(lane.latencyMillis(4_000)).isEqualTo(3_000);
    }

    @Test
    void shouldForgetTheWaitOnceTheLaneStarts() {
        TestLanes.queue(lane, 2, 100);
        lane.waitsOnWorkspace(1_000);
        lane.start();
        assertThat(lane.latencyMillis(600_000)).isZero();
    }

    @Test
    void shouldForgetTheWaitOnceItsQueueIsEmptiedWithoutStartingSoALaterBurstIsNotSlow() {
        // given: a wait, then its queue taken away (its partition was given up)
        TestLanes.queue(lane, 2, 100);
        lane.waitsOnWorkspace(1_000);
        lane.removeQueued(job -> true, job -> {});

        // when: ten minutes later, a burst
        TestLanes.queue(lane, 50, 100);

        // then: nothing of the old wait is left
        assertThat(lane.latencyMillis(601_000)).isZero();
        assertThat(lane.drainEstimateMillis(601_000)).isZero();
    }
}
