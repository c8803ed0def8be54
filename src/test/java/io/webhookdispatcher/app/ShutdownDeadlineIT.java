package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole shutdown fits in {@code shutdown.timeout}, even when a drain cannot finish: the chart's grace period
 * ({@code shutdown.timeout} + 10 s) then never ends in a SIGKILL before the group is left.
 */
@ExtendWith(DispatcherExtension.class)
class ShutdownDeadlineIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(4);
    /** Scheduling and the JVM's own exit; the test machine has two cores and runs other builds. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    @Test
    void shouldReturnFromCloseWithinTheShutdownTimeoutWhenAnEndpointNeverAnswers(DispatcherFixture dispatcher)
            throws Exception {
        // given: deliveries in flight to an endpoint that never answers, with a request timeout far beyond
        Application app = givenDeliveriesHungIn(dispatcher);

        // when
        long started = System.nanoTime();
        app.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        // then: it gave the drain its share of the timeout, then closed everything within what was left
        assertThat(took)
                .isGreaterThanOrEqualTo(ShutdownBudget.drainTimeout(TIMEOUT))
                .isLessThan(TIMEOUT.plus(SLACK));
        // and the unfinished work stays uncommitted, for the partitions' next owner
        assertThat(dispatcher.uncommittedEvents()).isEqualTo(3);
    }

    @Test
    void shouldExitZeroWithinTheShutdownTimeoutOnSigtermWhenAnEndpointNeverAnswers(DispatcherFixture dispatcher)
            throws Exception {
        // given
        dispatcher.receiver().hang("/hung");
        dispatcher
                .with("shutdown.timeout", "4s")
                .with("delivery.requestTimeout", "2m")
                .subscription("hung", "/hung", "[\"*\"]")
                .createEventsTopic();
        dispatcher.produce(3, List.of("person.updated"));
        try (DispatcherProcess process = dispatcher.startProcess()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> process.output().contains("assigned"));
            await().pollDelay(Duration.ofSeconds(1)).until(() -> true); // let the requests start

            // when
            long started = System.nanoTime();
            int exit = process.terminate(30);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            // then
            String output = process.output();
            assertThat(exit).as(output).isZero();
            assertThat(took).as(output).isLessThan(TIMEOUT.plus(SLACK));
            assertThat(output).contains("drain timed out").contains("stopped after");
        }
    }

    private static Application givenDeliveriesHungIn(DispatcherFixture dispatcher) throws Exception {
        dispatcher.receiver().hang("/hung");
        Application app = dispatcher
                .with("shutdown.timeout", "4s")
                .with("delivery.requestTimeout", "2m")
                .subscription("hung", "/hung", "[\"*\"]")
                .start();
        dispatcher.produce(3, List.of("person.updated"));
        await().atMost(Duration.ofSeconds(60)).until(() -> inFlight(app) == 3);
        return app;
    }

    private static double inFlight(Application app) {
        Gauge gauge = app.registry()
                .find(DispatcherMetrics.INFLIGHT)
                .tag("subscription", "hung")
                .gauge();
        return gauge == null ? 0 : gauge.value();
    }
}
