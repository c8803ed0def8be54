package io.webhookdispatcher.dispatch;

import static io.webhookdispatcher.dispatch.TestLanes.lane;
import static io.webhookdispatcher.dispatch.TestLanes.queue;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Half the permits are reserved in fair slices; slow lanes together can take the shared half, never a slice. */
class PermitPoolTest {

    @Test
    void shouldReserveHalfInEqualSlicesCappedByEachLanesOwnLimit() {
        var pool = new PermitPool(16, 16, 1 << 20);
        Lane wide = lane("wide", 64);
        Lane narrow = lane("narrow", 2);

        pool.resize(2);

        assertThat(pool.reserved(wide)).isEqualTo(4); // 16 / (2 × 2 lanes)
        assertThat(pool.reserved(narrow)).isEqualTo(2); // its own maxInFlight
    }

    @Test
    void shouldKeepAHealthyLanesSliceWhileAHungLaneTakesTheWholeSharedPool() {
        // given: 16 permits, two lanes: 4 reserved each, 8 shared
        var pool = new PermitPool(16, 16, 1 << 20);
        Lane hung = lane("hung", 64);
        Lane healthy = lane("healthy", 64);
        pool.resize(2);
        queue(hung, 100, 10);

        // when: the hung lane starts all it can (its requests never end)
        int hungStarted = startAll(pool, hung).size();

        // then: its slice plus the shared pool, and the healthy lane still has its slice
        assertThat(hungStarted).isEqualTo(4 + 8);
        assertThat(pool.available(healthy)).isTrue();
        queue(healthy, 10, 10);
        assertThat(startAll(pool, healthy)).hasSize(4);
        assertThat(pool.available(healthy)).isFalse();
    }

    @Test
    void shouldGiveASharedPermitBackWhenItsRequestEnds() {
        var pool = new PermitPool(4, 4, 1 << 20); // 1 reserved each, 2 shared
        Lane a = lane("a", 64);
        Lane b = lane("b", 64);
        pool.resize(2);
        queue(a, 10, 10);
        List<Job> started = startAll(pool, a);
        assertThat(started).hasSize(3);

        pool.finished(a, started.get(0));

        assertThat(pool.available(a)).isTrue();
        assertThat(a.inFlight()).isEqualTo(2);
    }

    @Test
    void shouldReserveNothingForADisabledLane() {
        var pool = new PermitPool(8, 8, 1 << 20);
        Lane off = lane("off", 64);
        off.endpointDisabled(true);
        Lane on = lane("on", 64);

        pool.resize(1);

        assertThat(pool.reserved(off)).isZero();
        assertThat(pool.reserved(on)).isEqualTo(4);
    }

    @Test
    void shouldShareEveryPermitAndNeverExceedTheTotalWithMoreLanesThanHalfThePermits() {
        // given: 16 permits and 10,000 enabled lanes: a slice would be under one permit
        var pool = new PermitPool(16, 16, 1 << 20);
        pool.resize(10_000);
        var lanes = new ArrayList<Lane>();
        for (int i = 0; i < 40; i++) {
            Lane lane = lane("l" + i, 64);
            queue(lane, 2, 10);
            lanes.add(lane);
        }

        // when: every lane starts what it may
        int started = lanes.stream().mapToInt(l -> startAll(pool, l).size()).sum();

        // then: 16 in all, not one per lane
        assertThat(pool.reserved(lanes.get(0))).isZero();
        assertThat(started).isEqualTo(16);
    }

    @Test
    void shouldLetOneWorkspacesSubscriptionsTogetherHoldNoMoreThanItsShare() {
        // given: 64 permits, at most 8 per workspace; a workspace's 4 hung subscriptions and another's healthy one
        var pool = new PermitPool(64, 8, 1 << 20);
        var hung = new ArrayList<Lane>();
        for (int i = 0; i < 4; i++) {
            Lane lane = TestLanes.lane("hung" + i, 64, "down");
            queue(lane, 100, 10);
            hung.add(lane);
        }
        Lane healthy = TestLanes.lane("healthy", 64, "ok");
        pool.resize(5);

        // when: the hung workspace starts all it may
        List<Job> hungStarted = new ArrayList<>();
        hung.forEach(l -> hungStarted.addAll(startAll(pool, l)));

        // then: 8 in all, and the other workspace's lane still starts its 8
        assertThat(hungStarted).hasSize(8);
        queue(healthy, 20, 10);
        assertThat(startAll(pool, healthy)).hasSize(8);

        // when: one hung request ends, its workspace may start one more
        Job ended = hungStarted.get(0);
        pool.finished(ended.delivery.lane(), ended);
        assertThat(pool.available(hung.get(3))).isTrue();
    }

    private static List<Job> startAll(PermitPool pool, Lane lane) {
        var started = new ArrayList<Job>();
        while (lane.hasQueued() && pool.available(lane)) {
            started.add(pool.start(lane));
        }
        return started;
    }
}
