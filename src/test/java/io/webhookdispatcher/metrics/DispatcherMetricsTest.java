package io.webhookdispatcher.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Label values come from the config, never from input. */
class DispatcherMetricsTest {
    private static final DispatcherMetrics.LaneGauges<Object> NO_GAUGES =
            new DispatcherMetrics.LaneGauges<>(o -> 0, o -> 0, o -> 0, o -> 0, o -> 0, o -> 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DispatcherMetrics metrics = new DispatcherMetrics(registry, true, List.of("2xx"));

    private Set<String> eventTypes() {
        return registry.find(DispatcherMetrics.DELIVERIES).counters().stream()
                .map(c -> c.getId().getTag("event_type"))
                .collect(Collectors.toSet());
    }

    @Test
    void shouldCountTypesNoFilterNamesAsOther() {
        // given: one subscription; person.created is named by some filter
        metrics.subscriptionAdded("crm", new Object(), NO_GAUGES);
        metrics.namedEventTypes(List.of("person.created", "x".repeat(50) + "." + "y".repeat(50)));

        // when: verdicts of the named type, of unnamed ones and of a named one over the length cap
        metrics.delivered("crm", "person.created", Duration.ZERO);
        for (int i = 0; i < 1000; i++) {
            metrics.delivered("crm", "random" + i + ".created", Duration.ZERO);
        }
        metrics.deadLettered("crm", "x".repeat(50) + "." + "y".repeat(50));

        // then: two event types, whatever the input
        assertThat(eventTypes()).containsExactlyInAnyOrder("person.created", "other");
        assertThat(registry.get(DispatcherMetrics.DELIVERIES)
                        .tags("event_type", "other", "outcome", "delivered")
                        .counter()
                        .count())
                .isEqualTo(1000);
    }

    @Test
    void shouldFollowTheNamedTypesOfAReloadedConfig() {
        metrics.subscriptionAdded("crm", new Object(), NO_GAUGES);
        metrics.namedEventTypes(List.of("person.created"));
        metrics.delivered("crm", "company.created", Duration.ZERO);

        // when: a reload names company.created
        metrics.namedEventTypes(List.of("company.created"));
        metrics.delivered("crm", "company.created", Duration.ZERO);
        metrics.delivered("crm", "person.created", Duration.ZERO);

        // then: it has its own series from then on; the one no longer named is "other"
        assertThat(eventTypes()).containsExactlyInAnyOrder("company.created", "other");
        assertThat(registry.get(DispatcherMetrics.DELIVERIES)
                        .tags("event_type", "other", "outcome", "delivered")
                        .counter()
                        .count())
                .isEqualTo(2);
    }

    @Test
    void shouldCreateNoMetersForSubscriptionsThatAreNotConfigured() {
        metrics.subscriptionAdded("crm", new Object(), NO_GAUGES);
        Set<Meter.Id> configured =
                registry.getMeters().stream().map(Meter::getId).collect(Collectors.toSet());

        metrics.attempt("ghost", "2xx", Duration.ofMillis(5));
        metrics.delivered("ghost", "person.created", Duration.ZERO);
        metrics.retryScheduled("ghost", "person.created");
        metrics.deadLettered("ghost", "person.created");
        metrics.deferred("ghost", "person.created", "slow");
        metrics.circuitTransition("ghost", "open");

        assertThat(registry.getMeters().stream().map(Meter::getId)).containsExactlyInAnyOrderElementsOf(configured);
    }

    @Test
    void shouldLabelEveryTypeAllWithoutTheEventTypeLabel() {
        var without = new DispatcherMetrics(registry, false, List.of());
        without.namedEventTypes(List.of("person.created"));

        assertThat(without.eventTypeLabel("person.created")).isEqualTo("all");
        assertThat(metrics.eventTypeLabel("person.created")).isEqualTo("other");
    }
}
