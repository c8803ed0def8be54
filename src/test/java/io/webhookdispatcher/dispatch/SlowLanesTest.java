package io.webhookdispatcher.dispatch;

import static io.webhookdispatcher.dispatch.TestLanes.lane;
import static io.webhookdispatcher.dispatch.TestLanes.queue;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A lane is slow when its queue would take longer than maxQueueDelay and that is its own doing. */
class SlowLanesTest {
    private final SlowLanes slowLanes = new SlowLanes(Duration.ofSeconds(1));

    /** As the scheduler's tick does: the lanes have answered, the fastest are known, then one is classified. */
    private boolean classify(Lane lane, Lane... answered) {
        for (Lane l : answered) {
            slowLanes.answered(l);
        }
        slowLanes.refreshFastest(0);
        return slowLanes.classify(lane, 0);
    }

    @Test
    void shouldCallALaneSlowWhenItsEndpointIsFourTimesSlowerThanTheFastestOther() {
        Lane slow = lane("slow", 1);
        Lane fast = lane("fast", 1);
        slow.observe(Duration.ofMillis(400), 0);
        fast.observe(Duration.ofMillis(100), 0);
        queue(slow, 3, 10); // 1,200 ms to drain

        assertThat(classify(slow, slow, fast)).isTrue();
        assertThat(slow.slow()).isTrue();
    }

    @Test
    void shouldNotCallLanesSlowThatAreAllEquallyBusy() {
        Lane a = lane("a", 1);
        Lane b = lane("b", 1);
        a.observe(Duration.ofMillis(400), 0);
        b.observe(Duration.ofMillis(300), 0);
        queue(a, 10, 10); // 4 s to drain, but only 1.3× slower than b: the machine or a shared receiver is busy

        assertThat(classify(a, a, b)).isFalse();
    }

    @Test
    void shouldNotCallALaneSlowWhenMostLanesAnsweringNowAreAsSlowThoughOneWasOnceFast() {
        // given: one lane answered in 2 ms a while ago; now 20 lanes answer in about 350 ms (a busy moment)
        Lane once = lane("once-fast", 1);
        once.observe(Duration.ofMillis(2), 0);
        classify(once, once);
        Lane[] busy = new Lane[20];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = lane("busy" + i, 1);
            busy[i].observe(Duration.ofMillis(340 + i), 0);
        }
        queue(busy[0], 3, 10); // 1,020 ms to drain, 170 times the one fast lane

        // then: held against the lanes answering now, it is merely busy
        assertThat(classify(busy[0], busy)).isFalse();
    }

    @Test
    void shouldStillCallTheSlowFewSlowAmongManyFastLanes() {
        Lane[] fast = new Lane[20];
        for (int i = 0; i < fast.length; i++) {
            fast[i] = lane("fast" + i, 1);
            fast[i].observe(Duration.ofMillis(20 + i), 0);
        }
        Lane slow = lane("slow", 1);
        slow.observe(Duration.ofMillis(400), 0);
        queue(slow, 3, 10);
        var answered = java.util.Arrays.copyOf(fast, 21);
        answered[20] = slow;

        assertThat(classify(slow, answered)).isTrue();
    }

    @Test
    void shouldCallARateLimitedLaneSlowWhateverTheOthersSpeed() {
        Lane metered = lane("metered", 64, Optional.of(RateLimit.parse("2/s")));
        queue(metered, 3, 10); // 1.5 s at 2/s

        assertThat(classify(metered, metered)).isTrue();
    }

    @Test
    void shouldKeepASlowLaneSlowUntilUnderHalfTheDelayAndReclassifyItOnceIdle() {
        // given: a slow lane (4× the other, 1,200 ms of queue)
        Lane slow = lane("slow", 1);
        Lane fast = lane("fast", 1);
        slow.observe(Duration.ofMillis(400), 0);
        fast.observe(Duration.ofMillis(100), 0);
        queue(slow, 3, 10);
        classify(slow, slow, fast);

        // when: its queue shrinks to 800 ms (over half the delay): still slow
        slow.pollTail();
        assertThat(classify(slow, slow, fast)).isTrue();

        // when: it empties; the idle re-check clears it
        slow.pollTail();
        slow.pollTail();
        slowLanes.reclassifyIdle(0);
        assertThat(slow.slow()).isFalse();
    }
}
