package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.config.DispatcherConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final Instant NOW = Instant.parse("2025-02-10T15:30:50Z");
    private static final List<Duration> DEFAULT_SCHEDULE = List.of(
            Duration.ofSeconds(5),
            Duration.ofMinutes(5),
            Duration.ofMinutes(30),
            Duration.ofHours(2),
            Duration.ofHours(5),
            Duration.ofHours(10),
            Duration.ofHours(10));

    private static RetryPolicy policy(double jitter, double random) {
        return new RetryPolicy(
                new DispatcherConfig.Retry(
                        DEFAULT_SCHEDULE, jitter, Duration.ofMinutes(1), Duration.ofHours(1), Set.of(400)),
                "crm.events.retry",
                () -> random);
    }

    @Test
    void shouldFollowTheScheduleStepByStepThenGiveUp() {
        RetryPolicy p = policy(0, 0.5);

        assertThat(p.next(1, Optional.empty(), NOW))
                .contains(new RetryPolicy.Next(2, "crm.events.retry-5s", NOW.plusSeconds(5)));
        assertThat(p.next(2, Optional.empty(), NOW))
                .contains(new RetryPolicy.Next(3, "crm.events.retry-5m", NOW.plus(Duration.ofMinutes(5))));
        assertThat(p.next(7, Optional.empty(), NOW))
                .contains(new RetryPolicy.Next(8, "crm.events.retry-10h", NOW.plus(Duration.ofHours(10))));
        assertThat(p.next(8, Optional.empty(), NOW)).isEmpty();
    }

    @Test
    void shouldNameOneTopicPerDistinctDelay() {
        assertThat(policy(0, 0.5).topics())
                .containsExactly(
                        "crm.events.retry-5s",
                        "crm.events.retry-5m",
                        "crm.events.retry-30m",
                        "crm.events.retry-2h",
                        "crm.events.retry-5h",
                        "crm.events.retry-10h");
        assertThat(policy(0, 0.5).firstTopic()).isEqualTo("crm.events.retry-5s");
    }

    @Test
    void shouldJitterWithinTheConfiguredFraction() {
        assertThat(policy(0.2, 0.0).next(1, Optional.empty(), NOW).orElseThrow().dueAt())
                .isEqualTo(NOW.plusSeconds(4));
        assertThat(policy(0.2, 1.0).next(1, Optional.empty(), NOW).orElseThrow().dueAt())
                .isEqualTo(NOW.plusSeconds(6));
    }

    @Test
    void shouldMoveOnToTheFirstStepAtLeastAsLongAsRetryAfter() {
        // 429 with Retry-After: 10 min on the first failure: 5s and 5m are too short, 30m is the first long enough
        var next =
                policy(0, 0.5).next(1, Optional.of(Duration.ofMinutes(10)), NOW).orElseThrow();

        assertThat(next).isEqualTo(new RetryPolicy.Next(4, "crm.events.retry-30m", NOW.plus(Duration.ofMinutes(30))));
    }

    @Test
    void shouldNeverBeDueBeforeRetryAfterEvenWithJitter() {
        var next = policy(0.2, 0.0)
                .next(1, Optional.of(Duration.ofMinutes(5)), NOW)
                .orElseThrow();

        assertThat(next.topic()).isEqualTo("crm.events.retry-5m");
        assertThat(next.dueAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    }

    @Test
    void shouldCapRetryAfterAtTheConfiguredMaximum() {
        // Retry-After: 1 day is capped at maxRetryAfter (1h): the 2h step is the first long enough
        var next = policy(0, 0.5).next(1, Optional.of(Duration.ofDays(1)), NOW).orElseThrow();

        assertThat(next.topic()).isEqualTo("crm.events.retry-2h");
        assertThat(next.dueAt()).isEqualTo(NOW.plus(Duration.ofHours(2)));
    }

    @Test
    void shouldBoundTheJitterInTimeSoThatEachTopicStaysNearlyDueOrdered() {
        // 20 % of 10 h would be ±2 h: capped at maxJitter (1 min), records written a minute apart stay in order
        RetryPolicy low = policy(0.2, 0.0);
        RetryPolicy high = policy(0.2, 1.0);

        assertThat(low.next(6, Optional.empty(), NOW).orElseThrow().dueAt())
                .isEqualTo(NOW.plus(Duration.ofHours(10)).minus(Duration.ofMinutes(1)));
        assertThat(high.next(6, Optional.empty(), NOW).orElseThrow().dueAt())
                .isEqualTo(NOW.plus(Duration.ofHours(10)).plus(Duration.ofMinutes(1)));
    }

    @Test
    void shouldDeferOneStepFurtherEachTimeWithoutUsingAnAttempt() {
        RetryPolicy p = policy(0, 0.5);

        assertThat(p.deferral(3, 1, Duration.ZERO, Duration.ZERO, NOW))
                .isEqualTo(new RetryPolicy.Next(3, "crm.events.retry-5s", NOW.plusSeconds(5)));
        assertThat(p.deferral(3, 2, Duration.ZERO, Duration.ZERO, NOW).topic()).isEqualTo("crm.events.retry-5m");
        assertThat(p.deferral(3, 6, Duration.ZERO, Duration.ZERO, NOW).topic()).isEqualTo("crm.events.retry-10h");
        assertThat(p.deferral(3, 60, Duration.ZERO, Duration.ZERO, NOW).topic()).isEqualTo("crm.events.retry-10h");
    }

    @Test
    void shouldDeferAtLeastAsLongAsTheSubscriptionNeeds() {
        // a circuit that stays open 40 s more: the first step long enough is 5 min
        var next = policy(0, 0.5).deferral(1, 1, Duration.ofSeconds(40), Duration.ZERO, NOW);

        assertThat(next).isEqualTo(new RetryPolicy.Next(1, "crm.events.retry-5m", NOW.plus(Duration.ofMinutes(5))));
    }

    @Test
    void shouldMatchEveryRetryTopicAlsoOfDelaysNoLongerScheduled() {
        var pattern = policy(0, 0.5).topicPattern();

        assertThat(pattern.matcher("crm.events.retry-5s").matches()).isTrue();
        assertThat(pattern.matcher("crm.events.retry-15m").matches()).isTrue(); // a step removed from the schedule
        assertThat(pattern.matcher("crm.events.retry-250ms").matches()).isTrue();
        assertThat(pattern.matcher("crm.events.dlt").matches()).isFalse();
        assertThat(pattern.matcher("crm.events.retry-5s-copy").matches()).isFalse();
        assertThat(pattern.matcher("crmXevents.retry-5s").matches()).isFalse();
    }

    @Test
    void shouldLetAnEstimatePushADeferralOneStepFurtherAtMost() {
        RetryPolicy p = policy(0, 0.5);

        // a slow subscription expected to reach this delivery in 2 min: not the 5 s step, but no further than 5 min
        assertThat(p.deferral(1, 1, Duration.ZERO, Duration.ofMinutes(2), NOW).topic())
                .isEqualTo("crm.events.retry-5m");
        assertThat(p.deferral(1, 1, Duration.ZERO, Duration.ofHours(3), NOW).topic())
                .isEqualTo("crm.events.retry-5m");
        // a hard bound still goes as far as it must
        assertThat(p.deferral(1, 1, Duration.ofHours(3), Duration.ZERO, NOW).topic())
                .isEqualTo("crm.events.retry-5h");
    }
}
