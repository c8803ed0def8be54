package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The breaker alone, on a clock in milliseconds. */
class CircuitBreakerTest {
    private final CircuitBreaker breaker = new CircuitBreaker(
            new CircuitBreaker.Settings(true, 3, 0.5, 10, 4, Duration.ofSeconds(5), Duration.ofSeconds(20)));

    private void fail(int times, long now) {
        for (int i = 0; i < times; i++) {
            breaker.record(true, false, now);
        }
    }

    @Test
    void shouldDecideAHalfOpenCircuitOnlyByItsProbe() {
        // given: open, then half-open with its probe under way
        fail(3, 0);
        assertThat(breaker.state(5_000)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.probing(5_000)).isTrue();
        breaker.starting(5_000);
        assertThat(breaker.rejecting(5_000)).isTrue();

        // when: an attempt that started before the circuit opened comes back failed, and one succeeded
        assertThat(breaker.record(true, false, 5_001)).isNull();
        assertThat(breaker.record(false, false, 5_002)).isNull();

        // then: still half-open, waiting for its probe; the probe's success closes it
        assertThat(breaker.state(5_003)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.record(false, true, 5_003).to()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.rejecting(5_003)).isFalse();
    }

    @Test
    void shouldPassAProbeThatNeverReachedTheEndpointToTheNextAttempt() {
        // given: half-open, its probe under way
        fail(3, 0);
        breaker.starting(5_000);

        // when: the probe ends without a connection (the destination guard refused it)
        breaker.notReached(true);

        // then: neither closed nor opened again; the next attempt is the probe
        assertThat(breaker.state(5_001)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.rejecting(5_001)).isFalse();
        assertThat(breaker.probing(5_001)).isTrue();
    }

    @Test
    void shouldDoubleTheCoolDownPerFailedProbeUpToItsMaximum() {
        fail(3, 0);
        long now = 5_000;
        for (long expected : new long[] {10_000, 20_000, 20_000}) {
            breaker.starting(now);
            CircuitBreaker.Transition t = breaker.record(true, true, now);
            assertThat(t.openFor()).isEqualTo(Duration.ofMillis(expected));
            now += expected;
        }
    }

    @Test
    void shouldNeitherCountNorRejectWhenDisabled() {
        var off = new CircuitBreaker(
                new CircuitBreaker.Settings(false, 1, 0.5, 10, 4, Duration.ofSeconds(5), Duration.ofSeconds(20)));
        for (int i = 0; i < 100; i++) {
            assertThat(off.record(true, false, i)).isNull();
        }
        assertThat(off.rejecting(100)).isFalse();
        assertThat(off.state(100)).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
