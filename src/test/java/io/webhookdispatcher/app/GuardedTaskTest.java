package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Periodic tasks (reload, the scheduler's tick) survive their own errors instead of silently stopping. */
class GuardedTaskTest {
    @Test
    void shouldKeepRunningAPeriodicTaskAfterItThrew() throws Exception {
        var runs = new AtomicInteger();
        var timer = Executors.newSingleThreadScheduledExecutor();
        try {
            // given: a task that fails on its first run (an uncaught exception cancels a fixed-delay task)
            timer.scheduleWithFixedDelay(
                    Threads.guarded("test task", () -> {
                        if (runs.incrementAndGet() == 1) {
                            throw new IllegalStateException("first run fails");
                        }
                    }),
                    0,
                    10,
                    TimeUnit.MILLISECONDS);

            // then: it runs again
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);
        } finally {
            timer.shutdownNow();
        }
        assertThat(runs.get()).isGreaterThanOrEqualTo(3);
    }
}
