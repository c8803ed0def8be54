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
            slowLanes.responded(l);
        }
        slowLanes.refreshFastest(0);
        return slowLanes.classify(lane, 0);
    }

    /** The lane's attempts end after {@code millis}, enough of them for its latency to count. */
    private static void answers(Lane lane, long millis) {
        for (int i = 0; i < Lane.MIN_ANSWERS; i++) {
            lane.observe(Duration.ofMillis(millis), 0, true);
        }
    }

    @Test
    void shouldNotJudgeALaneByItsFirstFewAnswersNorByOneUnluckyOne() {
        Lane fresh = lane("fresh", 1);
        Lane fast = lane("fast", 1);
        answers(fast, 100);
        fresh.observe(Duration.ofMillis(1_000), 0, true); // its first answer, in a busy moment: 10× the other
        queue(fresh, 3, 10);
        assertThat(classify(fresh, fresh, fast)).isFalse();

        // then its next answers are ordinary: the mean of its first five, not the first one, is its latency
        for (int i = 1; i < Lane.MIN_ANSWERS; i++) {
            fresh.observe(Duration.ofMillis(100), 0, true);
        }
        assertThat(fresh.latencyMillis(0)).isCloseTo(280, org.assertj.core.data.Offset.offset(0.001));
        assertThat(classify(fresh, fresh, fast)).isFalse();
    }

    @Test
    void shouldJudgeALaneByFewAttemptsWhenTheyGotNoResponseButNotByFewSlowResponses() {
        // given: a hung endpoint whose lane, one of 20 sharing its workspace's permits, has had only 3 attempts end:
        // 5 s timeouts. Left "not yet known", it kept up for the back-pressure, and its full queue paused the
        // consumer for every workspace until its next requests timed out.
        Lane fast = lane("fast", 1);
        answers(fast, 50);
        Lane hung = lane("hung", 64);
        Lane coldStart = lane("cold-start", 64); // answered, slowly: e.g. a serverless receiver starting up
        for (int i = 0; i < 3; i++) {
            hung.observe(Duration.ofMillis(5_000), 0, false); // timed out: no response
            coldStart.observe(Duration.ofMillis(5_000), 0, true);
        }
        queue(hung, 250, 10);
        queue(coldStart, 250, 10);

        assertThat(classify(hung, hung, fast)).isTrue();
        assertThat(classify(coldStart, coldStart, fast)).isFalse(); // three answers are still noise
    }

    @Test
    void shouldCallALaneSlowWhenItsEndpointIsFourTimesSlowerThanTheFastestOther() {
        Lane slow = lane("slow", 1);
        Lane fast = lane("fast", 1);
        answers(slow, 400);
        answers(fast, 100);
        queue(slow, 3, 10); // 1,200 ms to drain

        assertThat(classify(slow, slow, fast)).isTrue();
        assertThat(slow.slow()).isTrue();
    }

    @Test
    void shouldNotCallLanesSlowThatAreAllEquallyBusy() {
        Lane a = lane("a", 1);
        Lane b = lane("b", 1);
        answers(a, 400);
        answers(b, 300);
        queue(a, 10, 10); // 4 s to drain, but only 1.3× slower than b: the machine or a shared receiver is busy

        assertThat(classify(a, a, b)).isFalse();
    }

    @Test
    void shouldNotCallALaneSlowWhenMostLanesAnsweringNowAreAsSlowThoughOneWasOnceFast() {
        // given: one lane answered in 2 ms a while ago; now 20 lanes answer in about 350 ms (a busy moment)
        Lane once = lane("once-fast", 1);
        answers(once, 2);
        classify(once, once);
        Lane[] busy = new Lane[20];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = lane("busy" + i, 1);
            answers(busy[i], 340 + i);
        }
        queue(busy[0], 3, 10); // 1,020 ms to drain, 170 times the one fast lane

        // then: held against the lanes answering now, it is merely busy
        assertThat(classify(busy[0], busy)).isFalse();
    }

    @Test
    void shouldNotJudgeALaneByAnUnluckyAnswerBecauseANextAttemptFailedAtOnce() {
        Lane fresh = lane("fresh", 1);
        Lane fast = lane("fast", 1);
        answers(fast, 100);
        fresh.observe(Duration.ofMillis(1_000), 0, true); // its first answer, in a busy moment
        fresh.observe(Duration.ofMillis(5), 0, false); // then a stale connection, refused at once: no response
        queue(fresh, 3, 10);

        assertThat(classify(fresh, fast)).isFalse(); // two samples, neither a long wait for nothing
    }

    @Test
    void shouldNotTakeTheLatencyOfManyHungLanesTimingOutTogetherForTheTypicalOne() {
        // given: one lane answering in 50 ms; 20 hung lanes of one workspace whose requests time out (2 s) in the
        // same tick: no response, so their latency says nothing about how busy receivers are
        Lane fast = lane("fast", 1);
        answers(fast, 50);
        slowLanes.responded(fast);
        Lane[] hung = new Lane[20];
        for (int i = 0; i < hung.length; i++) {
            hung[i] = lane("hung" + i, 64);
            for (int a = 0; a < Lane.MIN_ANSWERS; a++) {
                hung[i].observe(Duration.ofMillis(2_000), 0, false); // the scheduler tells SlowLanes nothing
            }
        }
        queue(hung[0], 10, 10);

        // then: held against the fast lane, not against their own median
        slowLanes.refreshFastest(0);
        assertThat(slowLanes.classify(hung[0], 0)).isTrue();
    }

    @Test
    void shouldNotHoldLanesAgainstOneWhoseConnectionsAreRefusedAtOnce() {
        // given: a lane answering in 100 ms, one in 300 ms with 3 s of queue (3× slower: merely busy), and a
        // dead endpoint refusing connections in 1 ms, which the scheduler does not report as a response
        Lane fast = lane("fast", 1);
        answers(fast, 100);
        Lane busy = lane("busy", 1);
        answers(busy, 300);
        queue(busy, 10, 10);
        Lane refused = lane("refused", 1);
        for (int i = 0; i < Lane.MIN_ANSWERS; i++) {
            refused.observe(Duration.ofMillis(1), 0, false);
        }

        // then: 300 ms is held against 100 ms, not 1 ms
        assertThat(classify(busy, fast, busy)).isFalse();
    }

    @Test
    void shouldStillCallTheSlowFewSlowAmongManyFastLanes() {
        Lane[] fast = new Lane[20];
        for (int i = 0; i < fast.length; i++) {
            fast[i] = lane("fast" + i, 1);
            answers(fast[i], 20 + i);
        }
        Lane slow = lane("slow", 1);
        answers(slow, 400);
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
        answers(slow, 400);
        answers(fast, 100);
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
