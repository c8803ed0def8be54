package io.webhookdispatcher.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.testkit.LogCapture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalLogTest {
    private final AtomicLong nanos = new AtomicLong(123);
    private final RefusalLog refusals = new RefusalLog(nanos::get);

    @Test
    void shouldLogTheFirstRefusalThenOneEveryTenSecondsWithTheCountInBetween() {
        try (var logs = new LogCapture()) {
            // given: a flood of forged requests
            assertThat(refusals.refused("crm", Outcome.BAD_SIGNATURE, "request 1"))
                    .isTrue();
            for (int i = 2; i <= 100; i++) {
                nanos.addAndGet(1_000_000); // 1 ms apart
                assertThat(refusals.refused("crm", Outcome.BAD_SIGNATURE, "request " + i))
                        .isFalse();
            }

            // when: ten seconds have passed since the first
            nanos.set(123 + RefusalLog.INTERVAL.toNanos());
            assertThat(refusals.refused("crm", Outcome.BAD_SIGNATURE, "request 101"))
                    .isTrue();

            // then: two lines, the second with the 99 it did not log
            assertThat(logs.text())
                    .contains("ingest crm: refused request 1 (bad_signature)")
                    .contains("ingest crm: refused request 101 (bad_signature); 99 more refused so since")
                    .doesNotContain("request 2 ");
        }
    }

    @Test
    void shouldKeepSourcesAndOutcomesApart() {
        assertThat(refusals.refused("crm", Outcome.BAD_SIGNATURE, "a")).isTrue();
        assertThat(refusals.refused("crm", Outcome.STALE, "b")).isTrue();
        assertThat(refusals.refused("partner", Outcome.BAD_SIGNATURE, "c")).isTrue();
        assertThat(refusals.refused("crm", Outcome.BAD_SIGNATURE, "d")).isFalse();
    }
}
