package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which outcomes say how fast a receiver answers: those with an HTTP response, whatever its status. */
class DeliveryOutcomeTest {
    private static DeliveryOutcome.Failure failure(AttemptResult result, int status) {
        return new DeliveryOutcome.Failure(result, status, "", "", "", Duration.ofMillis(5));
    }

    @Test
    void shouldCountEveryHttpResponseAsResponded() {
        assertThat(new DeliveryOutcome.Delivered(204, Duration.ofMillis(5)).responded())
                .isTrue();
        assertThat(new DeliveryOutcome.Retryable(failure(AttemptResult.SERVER_5XX, 503), Optional.empty()).responded())
                .isTrue();
        assertThat(new DeliveryOutcome.Retryable(failure(AttemptResult.CLIENT_4XX, 429), Optional.empty()).responded())
                .isTrue();
        assertThat(new DeliveryOutcome.Permanent(failure(AttemptResult.CLIENT_4XX, 410)).responded())
                .isTrue();
    }

    @Test
    void shouldNotCountTimeoutsConnectionErrorsOrBlockedDestinationsAsResponded() {
        for (AttemptResult noAnswer : new AttemptResult[] {
            AttemptResult.TIMEOUT,
            AttemptResult.CONNECT_ERROR,
            AttemptResult.TLS_ERROR,
            AttemptResult.OTHER_ERROR,
            AttemptResult.BLOCKED_DESTINATION
        }) {
            assertThat(new DeliveryOutcome.Retryable(failure(noAnswer, 0), Optional.empty()).responded())
                    .as(noAnswer.name())
                    .isFalse();
        }
    }
}
