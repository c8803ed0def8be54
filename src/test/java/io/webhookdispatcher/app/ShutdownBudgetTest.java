package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ShutdownBudgetTest {
    @Test
    void shouldKeepAQuarterOfTheTimeoutForCommitsAndClosingButAtMostFiveSeconds() {
        assertThat(ShutdownBudget.drainTimeout(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(3));
        assertThat(ShutdownBudget.drainTimeout(Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(15));
        assertThat(ShutdownBudget.drainTimeout(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(55));
        assertThat(ShutdownBudget.drainTimeout(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(75));
    }

    @Test
    void shouldShareWhatIsLeftAndNeverGoNegative() {
        // given
        var budget = ShutdownBudget.start(Duration.ofSeconds(10));

        // then
        assertThat(budget.remaining())
                .isLessThanOrEqualTo(Duration.ofSeconds(10))
                .isPositive();
        assertThat(budget.share(2)).isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(ShutdownBudget.start(Duration.ZERO).remaining()).isZero();
    }
}
