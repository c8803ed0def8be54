package io.webhookdispatcher.operations;

import static io.webhookdispatcher.testkit.FakeSender.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.RateLimit;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.testkit.FakeClock;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** When a subscription is disabled and enabled, with a fake clock and an in-memory operations topic. */
class AutoDisableTest {
    private static final Duration AFTER = Duration.ofHours(1);

    private final FakeClock clock = new FakeClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final MemoryStore store = new MemoryStore();
    private final Subscriptions subscriptions =
            new Subscriptions(List.of(sub("a", "/a"), sub("b", "/b")), new FakeSender(), clock, lane -> {});
    private final AutoDisable autoDisable = new AutoDisable(subscriptions, store, clock, "pod-1");

    /** Applies each write at once, as the worker does after reading its own write. */
    private final class MemoryStore implements AutoDisable.Store {
        final Map<String, OperationRecord> states = new HashMap<>();
        final List<OperationRecord> written = new ArrayList<>();
        final List<Runnable> later = new ArrayList<>(); // writes held back while holding
        boolean holding;

        @Override
        public Optional<OperationRecord> state(String subscription) {
            return Optional.ofNullable(states.get(subscription));
        }

        @Override
        public CompletableFuture<Boolean> writeIf(
                Predicate<Optional<OperationRecord>> condition, OperationRecord record) {
            var done = new CompletableFuture<Boolean>();
            Runnable write = () -> {
                if (!condition.test(state(record.subscription()))) {
                    done.complete(false);
                    return;
                }
                written.add(record);
                read(record);
                done.complete(true);
            };
            if (holding) {
                later.add(write);
            } else {
                write.run();
            }
            return done;
        }

        /** The writes asked while holding, now, as the operations thread would make them a moment later. */
        void release() {
            holding = false;
            later.forEach(Runnable::run);
            later.clear();
        }

        /** A record another replica wrote, as this one reads it. */
        void read(OperationRecord record) {
            states.put(record.subscription(), record);
            autoDisable.apply(record);
        }

        @Override
        public void run(Runnable task) {
            task.run();
        }
    }

    @Test
    void shouldDisableOnTheFirstFailureAfterAutoDisableAfterOfFailuresWithoutABreak() {
        // given: failures every minute for just under an hour
        failEveryMinuteFor(59);
        assertThat(lane("a").endpointDisabled()).isFalse();
        // shared after a minute, refreshed every quarter of autoDisableAfter
        assertThat(store.written)
                .extracting(OperationRecord::type)
                .containsOnly(OperationRecord.FAILING)
                .hasSize(4);

        // when: one more, an hour after the first
        clock.advance(Duration.ofMinutes(1));
        autoDisable.failed(lane("a"), clock.millis(), status(503));

        // then: one disable, with what an operator needs, and only "a" is disabled
        assertThat(lane("a").endpointDisabled()).isTrue();
        assertThat(lane("b").endpointDisabled()).isFalse();
        OperationRecord disabled = store.written.get(store.written.size() - 1);
        assertThat(disabled.type()).isEqualTo(OperationRecord.DISABLED);
        assertThat(disabled.since()).isEqualTo("2026-12-01T00:00:00Z");
        assertThat(disabled.lastStatus()).isEqualTo(503);
        assertThat(disabled.lastError()).isEqualTo("5xx");
        assertThat(disabled.failures()).isEqualTo(61);
        assertThat(disabled.config()).isEqualTo(lane("a").subscription().endpointFingerprint());
        assertThat(disabled.by()).isEqualTo("pod-1");

        // and: later failures (of attempts under way) write nothing more
        autoDisable.failed(lane("a"), clock.millis(), status(503));
        assertThat(store.written).hasSize(5);
    }

    @Test
    void shouldStartTheStreakAgainAfterAnAnswerHereOrOnAnotherReplica() {
        // given: 50 minutes of failures, shared
        failEveryMinuteFor(50);

        // when: it answers once, then fails for 50 more minutes
        autoDisable.answered(lane("a"), clock.millis());
        failEveryMinuteFor(50);

        // then: still enabled: no hour without a break; the answer was shared as recovered
        assertThat(lane("a").endpointDisabled()).isFalse();
        assertThat(store.written)
                .extracting(OperationRecord::type)
                .containsSubsequence(OperationRecord.FAILING, OperationRecord.RECOVERED, OperationRecord.FAILING)
                .filteredOn(OperationRecord.RECOVERED::equals)
                .hasSize(1);
    }

    @Test
    void shouldCountAStreakFromWhereAnotherReplicaOrAnEarlierRunSawItBegin() {
        // given: the topic says another replica has seen "a" failing for 59 minutes
        store.read(failing(clock.instant(), clock.instant().plus(Duration.ofMinutes(50))));
        clock.advance(Duration.ofMinutes(59));

        // when: this replica sees its first failures, a minute apart
        autoDisable.failed(lane("a"), clock.millis(), status(503));
        clock.advance(Duration.ofMinutes(1));
        autoDisable.failed(lane("a"), clock.millis(), status(503));

        // then: an hour since the shared start: disabled
        assertThat(lane("a").endpointDisabled()).isTrue();
        assertThat(store.written).extracting(OperationRecord::type).containsExactly(OperationRecord.DISABLED);
        assertThat(store.written.get(0).since()).isEqualTo("2026-12-01T00:00:00Z");
    }

    @Test
    void shouldNotDisableWhileAnotherReplicaSeesItAnswer() {
        // given: this replica fails from the start, and shares it
        failEveryMinuteFor(30);

        // when: another replica sees an answer at minute 30 (its recovered record), and this one keeps failing
        store.read(OperationRecord.recovered("a", clock.instant(), "pod-2"));
        failEveryMinuteFor(59);

        // then: an hour after this replica's first failure, but not after the other's answer: still enabled
        assertThat(lane("a").endpointDisabled()).isFalse();

        // when: an hour without a break since that answer
        clock.advance(Duration.ofMinutes(1));
        autoDisable.failed(lane("a"), clock.millis(), status(503));

        // then
        assertThat(lane("a").endpointDisabled()).isTrue();
        assertThat(store.states.get("a").since())
                .isEqualTo(Instant.parse("2026-12-01T00:30:00Z").toString());
    }

    @Test
    void shouldEndAnotherReplicasStreakWithAnAnswerSeenHereEvenIfItWasRefreshedMeanwhileOrReadLater() {
        // given: another replica shares a streak since minute 0
        store.read(failing(clock.instant(), clock.instant()));
        clock.advance(Duration.ofMinutes(5));

        // when: this replica sees an answer, and the other refreshes its streak before the recovery is written
        store.holding = true;
        autoDisable.answered(lane("a"), clock.millis());
        store.read(
                failing(Instant.parse("2026-12-01T00:00:00Z"), clock.instant().plusMillis(1)));
        store.release();

        // then: the recovery is written all the same
        assertThat(store.states.get("a").type()).isEqualTo(OperationRecord.RECOVERED);

        // when: later, the other replica shares a streak that began before this replica's last answer
        clock.advance(Duration.ofMinutes(5));
        autoDisable.answered(lane("a"), clock.millis());
        store.read(failing(clock.instant().minus(Duration.ofMinutes(1)), clock.instant()));

        // then: this replica ends it too
        assertThat(store.states.get("a").type()).isEqualTo(OperationRecord.RECOVERED);
        assertThat(store.written).extracting(OperationRecord::type).containsOnly(OperationRecord.RECOVERED);
    }

    @Test
    void shouldNotContinueAStreakThatNobodyRefreshedForLong() {
        // given: a shared streak from two days ago, never refreshed since (nothing was sent, or the pods were down)
        store.read(failing(clock.instant(), clock.instant()));
        clock.advance(Duration.ofDays(2));

        // when: the next failure
        autoDisable.failed(lane("a"), clock.millis(), status(502));

        // then: a new streak, not a disable on one 502
        assertThat(lane("a").endpointDisabled()).isFalse();
    }

    @Test
    void shouldDropADisableWhenAnAnswerComesInBeforeItIsWritten() {
        // given: an hour of failures; the disable is decided, its write still waiting for the operations thread
        failEveryMinuteFor(59);
        store.holding = true;
        clock.advance(Duration.ofMinutes(1));
        autoDisable.failed(lane("a"), clock.millis(), status(503));

        // when: the endpoint answers, then the write is made
        clock.advance(Duration.ofMillis(10));
        autoDisable.answered(lane("a"), clock.millis());
        store.release();

        // then: not disabled; the answer is shared instead
        assertThat(lane("a").endpointDisabled()).isFalse();
        assertThat(store.written).extracting(OperationRecord::type).doesNotContain(OperationRecord.DISABLED);
    }

    @Test
    void shouldEnableWhenTheTopicSaysSoAndWhenTheEndpointConfigChanged() {
        // given: disabled
        failEveryMinuteFor(61);
        assertThat(lane("a").endpointDisabled()).isTrue();

        // when: the enable command writes enabled
        store.read(OperationRecord.enabled("a", clock.instant(), "x", "cli"));

        // then
        assertThat(lane("a").endpointDisabled()).isFalse();

        // when: disabled again, then its record is deleted (a tombstone)
        failEveryMinuteFor(61);
        assertThat(lane("a").endpointDisabled()).isTrue();
        store.states.remove("a"); // as OperationsTopic does on a tombstone
        autoDisable.apply(OperationRecord.cleared("a", clock.instant()));

        // then
        assertThat(lane("a").endpointDisabled()).isFalse();

        // when: disabled again, then its URL changes in a reload
        failEveryMinuteFor(61);
        assertThat(lane("a").endpointDisabled()).isTrue();
        subscriptions.replace(List.of(sub("a", "/a-fixed"), sub("b", "/b")));
        autoDisable.configChanged();

        // then: enabled, and the topic says by whom
        assertThat(lane("a").endpointDisabled()).isFalse();
        assertThat(store.states.get("a").type()).isEqualTo(OperationRecord.ENABLED);
        assertThat(store.states.get("a").by()).isEqualTo("config");
    }

    @Test
    void shouldKeepADisableAcrossAReloadThatChangesNoEndpointSettingAndNeverDisableWithoutAutoDisableAfter() {
        // given: "a" disabled; "c" never disables
        subscriptions.replace(List.of(sub("a", "/a"), sub("b", "/b"), withoutAutoDisable(sub("c", "/c"))));
        failEveryMinuteFor(61);

        // when: a reload that only rotates a's secret
        subscriptions.replace(List.of(
                sub("a", "/a", new Secret("another-secret-of-24-bytes!!")),
                sub("b", "/b"),
                withoutAutoDisable(sub("c", "/c"))));
        autoDisable.configChanged();
        for (int i = 0; i < 200; i++) {
            clock.advance(Duration.ofMinutes(1));
            autoDisable.failed(lane("c"), clock.millis(), status(503));
        }

        // then
        assertThat(lane("a").endpointDisabled()).isTrue();
        assertThat(lane("c").endpointDisabled()).isFalse();
        assertThat(store.states).doesNotContainKey("c");
        autoDisable.answered(lane("b"), clock.millis()); // an answer with no streak writes nothing
        assertThat(store.states).doesNotContainKey("b");
    }

    private static OperationRecord failing(Instant since, Instant at) {
        return new OperationRecord(
                OperationRecord.FAILING,
                "a",
                at.toString(),
                since.toString(),
                503,
                "5xx",
                100L,
                0L,
                AFTER.toString(),
                "x",
                "pod-2");
    }

    private void failEveryMinuteFor(int minutes) {
        autoDisable.failed(lane("a"), clock.millis(), status(503));
        for (int i = 0; i < minutes; i++) {
            clock.advance(Duration.ofMinutes(1));
            autoDisable.failed(lane("a"), clock.millis(), status(503));
        }
    }

    private Lane lane(String id) {
        return subscriptions.lane(id).orElseThrow();
    }

    private static Subscription sub(String id, String path) {
        return sub(id, path, new Secret("secret-of-at-least-24-bytes"));
    }

    private static Subscription sub(String id, String path, Secret secret) {
        return new Subscription(
                id,
                URI.create("https://receiver.example" + path),
                Signing.twenty(secret),
                List.of(EventFilter.parse("*")),
                true,
                64,
                Optional.<RateLimit>empty(),
                CircuitBreaker.Settings.DEFAULTS,
                Tls.DEFAULT,
                Optional.empty(),
                Optional.of(AFTER),
                Optional.empty(),
                java.util.Optional.empty());
    }

    private static Subscription withoutAutoDisable(Subscription s) {
        return new Subscription(
                s.id(),
                s.url(),
                s.signing(),
                s.events(),
                s.enabled(),
                s.maxInFlight(),
                s.rateLimit(),
                s.breaker(),
                s.tls(),
                s.filter(),
                Optional.empty(),
                s.workspaceId(),
                java.util.Optional.empty());
    }
}
