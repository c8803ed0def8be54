package io.webhookdispatcher.dispatch;

import static io.webhookdispatcher.dispatch.TestLanes.lane;
import static io.webhookdispatcher.dispatch.TestLanes.queue;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events loop pauses for a lane that keeps up and is a quarter full; it is woken once, under an eighth. */
class BackPressureTest {
    private static final DeliveryScheduler.Bounds BOUNDS = // pause at 10 queued or 1,000 bytes, resume under 5 / 500
            new DeliveryScheduler.Bounds(256, 40, 4000, Duration.ofSeconds(1), Duration.ofMinutes(1));
    private final BackPressure backPressure = new BackPressure(BOUNDS);
    private final List<String> wakes = new ArrayList<>();

    @Test
    void shouldLookOnlyAtLanesWhoseQueueReachedTheResumeMarkAndPauseAndWakeForThemAsForAll() {
        // given: thousands of lanes holding a delivery each, and one that fills up
        for (int i = 0; i < 5_000; i++) {
            Lane light = lane("light" + i, 1);
            queue(light, 1, 10);
            backPressure.queued(light);
        }
        Lane busy = lane("busy", 1);
        for (int i = 0; i < 10; i++) {
            queue(busy, 1, 10);
            backPressure.queued(busy);
        }

        // then: it pauses for the full one, and wakes the loop once it is under the mark
        assertThat(backPressure.saturated(0, () -> wakes.add("woken"))).isTrue();
        for (int i = 0; i < 6; i++) {
            busy.pollTail();
        }
        backPressure.resumable(0).run();
        assertThat(wakes).containsExactly("woken");
        assertThat(backPressure.saturated(0, () -> wakes.add("again"))).isFalse();
    }

    @Test
    void shouldPauseAtAQuarterAndWakeTheLoopOnceUnderAnEighth() {
        Lane busy = lane("busy", 1);
        queue(busy, 9, 10);
        assertThat(backPressure.saturated(List.of(busy), 0, () -> wakes.add("woken")))
                .isFalse();
        queue(busy, 1, 10);
        assertThat(backPressure.saturated(List.of(busy), 0, () -> wakes.add("woken")))
                .isTrue();

        // when: it drains to 5 (not under an eighth): no wake
        for (int i = 0; i < 5; i++) {
            busy.pollTail();
        }
        assertThat(backPressure.resumable(List.of(busy), 0)).isNull();

        // when: to 4: one wake, and only one
        busy.pollTail();
        backPressure.resumable(List.of(busy), 0).run();
        assertThat(backPressure.resumable(List.of(busy), 0)).isNull();
        assertThat(wakes).containsExactly("woken");
    }

    @Test
    void shouldPauseOnBytesToo() {
        Lane large = lane("large", 1);
        queue(large, 3, 400);

        assertThat(backPressure.saturated(List.of(large), 0, () -> {})).isTrue();
    }

    @Test
    void shouldNeverPauseForASlowOrFailingLane() {
        Lane slow = lane("slow", 1);
        queue(slow, 20, 10);
        slow.slow(true);
        Lane down = lane("down", 1);
        queue(down, 20, 10);
        for (int i = 0; i < 5; i++) {
            down.breaker().record(true, false, 0);
        }

        assertThat(backPressure.saturated(List.of(slow, down), 0, () -> {})).isFalse();
    }
}
