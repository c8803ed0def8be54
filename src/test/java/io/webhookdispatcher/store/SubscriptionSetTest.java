package io.webhookdispatcher.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The file's and the topic's subscriptions, applied together to the running set. */
class SubscriptionSetTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Subscriptions running = new Subscriptions(List.of(), new FakeSender(), new FakeClock(), lane -> {});
    private final SubscriptionSet set = new SubscriptionSet(
            running::replace,
            List.of(subscription("file", "https://file.example.com/")),
            new StoreReport(new DispatcherMetrics(registry, true, List.of()), () -> 0));

    @Test
    void shouldRunTheFilesAndTheTopicsTogetherAndKeepEachAcrossTheOthersChanges() {
        // when: the topic brings one, then the file reloads
        set.stored(Map.of("topic", subscription("topic", "https://topic.example.com/")));
        set.file(List.of(subscription("file", "https://file.example.com/v2")));

        // then: both run, the file's first
        assertThat(active()).containsExactly("file", "topic");
        assertThat(set.appliedFromTopic()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheFilesSubscriptionOnAnIdClashAndReportItOnce() {
        // when: the topic has the file's id, read twice
        var clash = subscription("file", "https://other.example.com/");
        set.stored(Map.of("file", clash));
        set.stored(Map.of("file", clash));

        // then: the file's runs; reported once
        assertThat(running.lane("file").orElseThrow().subscription().url()).hasToString("https://file.example.com/");
        assertThat(registry.counter(DispatcherMetrics.STORE_SKIPPED, "reason", "yaml_conflict")
                        .count())
                .isEqualTo(1);

        // when: the file drops it
        set.file(List.of());

        // then: the topic's runs
        assertThat(running.lane("file").orElseThrow().subscription().url()).hasToString("https://other.example.com/");
    }

    @Test
    void shouldMarkADeletedSubscriptionsLaneRemovedSoItsRetriesAreDeadLettered() {
        set.stored(Map.of("topic", subscription("topic", "https://topic.example.com/")));

        // when: a tombstone
        set.stored(Map.of());

        // then: the lane is kept, removed: the retry intake dead-letters its retries as subscription-removed
        assertThat(running.lane("topic"))
                .hasValueSatisfying(lane -> assertThat(lane.removed()).isTrue());
        assertThat(active()).containsExactly("file");
    }

    @Test
    void shouldKeepTheLaneOfAnUpdatedSubscription() {
        set.stored(Map.of("topic", subscription("topic", "https://topic.example.com/")));
        var lane = running.lane("topic").orElseThrow();

        set.stored(Map.of("topic", subscription("topic", "https://moved.example.com/")));

        assertThat(running.lane("topic")).containsSame(lane);
        assertThat(lane.subscription().url()).hasToString("https://moved.example.com/");
        assertThat(lane.removed()).isFalse();
    }

    private List<String> active() {
        return running.all().stream()
                .filter(l -> !l.removed())
                .map(l -> l.id())
                .sorted()
                .toList();
    }

    private static Subscription subscription(String id, String url) {
        return new Subscription(
                id, URI.create(url), new Secret("a-secret-of-24-bytes-or-more"), List.of(EventFilter.parse("*")), true);
    }
}
