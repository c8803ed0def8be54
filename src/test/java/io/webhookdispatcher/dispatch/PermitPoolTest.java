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
        var pool = new PermitPool(16);
        Lane wide = lane("wide", 64);
        Lane narrow = lane("narrow", 2);

        pool.resize(2);

        assertThat(pool.reserved(wide)).isEqualTo(4); // 16 / (2 × 2 lanes)
        assertThat(pool.reserved(narrow)).isEqualTo(2); // its own maxInFlight
    }

    @Test
    void shouldKeepAHealthyLanesSliceWhileAHungLaneTakesTheWholeSharedPool() {
        // given: 16 permits, two lanes: 4 reserved each, 8 shared
        var pool = new PermitPool(16);
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
        var pool = new PermitPool(4); // 1 reserved each, 2 shared
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
        var pool = new PermitPool(8);
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
        var pool = new PermitPool(16);
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

    private static List<Job> startAll(PermitPool pool, Lane lane) {
        var started = new ArrayList<Job>();
        while (lane.hasQueued() && pool.available(lane)) {
            started.add(pool.start(lane));
        }
        return started;
    }
}
