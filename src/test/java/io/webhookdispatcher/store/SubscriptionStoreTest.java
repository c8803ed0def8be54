package io.webhookdispatcher.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.testkit.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The reader of topics.subscriptions on a MockConsumer: what it applies, skips and reports. */
class SubscriptionStoreTest {
    private static final TopicPartition PARTITION = new TopicPartition(StoreFixture.TOPIC, 0);

    private final StoreFixture fixture = new StoreFixture();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Map<String, Subscription>> told = new ArrayList<>();
    private final AtomicLong keyGeneration = new AtomicLong();
    private final SubscriptionStore store = new SubscriptionStore(
            consumer,
            StoreFixture.TOPIC,
            fixture.schema,
            told::add,
            new StoreReport(new DispatcherMetrics(registry, true, List.of()), () -> 0),
            keyGeneration::get);
    private long offset;

    SubscriptionStoreTest() {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(
                StoreFixture.TOPIC,
                List.of(new PartitionInfo(StoreFixture.TOPIC, 0, node, new Node[] {node}, new Node[] {node})));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
    }

    @Test
    void shouldApplyTheLastVersionOfEachSubscriptionReadUpToTheEndBeforeOpenReturns() {
        // given: a, b, then a again with another URL
        onTopic("a", fixture.created("a", "https://a.example.com/v1"));
        onTopic("b", fixture.created("b", "https://b.example.com/"));
        onTopic("a", fixture.created("a", "https://a.example.com/v2"));

        // when
        store.open(Duration.ofSeconds(5));

        // then: told once, with the last version of each
        assertThat(told).hasSize(1);
        assertThat(StoreFixture.ids(told.get(0))).containsExactly("a", "b");
        assertThat(told.get(0).get("a").url()).hasToString("https://a.example.com/v2");
        assertThat(told.get(0).get("a").signing().current().keyBytes())
                .isEqualTo(StoreFixture.SECRET.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDropARotationsPreviousSecretOnceItsOverlapEndsWithoutANewRecord() {
        // given: a rotated subscription whose previous secret signs for another minute
        StoredSubscription v1 = fixture.created("a", "https://a.example.com/");
        var rotated = (SubscriptionAdmin.Put) fixture.edits(List.of(), 20)
                .rotate("a", "whsec_" + SecretCipherTest.key(8), Duration.ofMinutes(1), java.util.OptionalLong.empty())
                .decide(Map.of("a", v1));
        onTopic("a", rotated.record());
        store.open(Duration.ofSeconds(5));
        assertThat(told.get(0).get("a").signing().secrets()).hasSize(2);

        // when: the minute passes, and nothing more is written
        fixture.clock.advance(Duration.ofMinutes(1));
        store.step(Duration.ofMillis(10));

        // then: applied again with the new secret only
        assertThat(told).hasSize(2);
        assertThat(told.get(1).get("a").signing().secrets()).hasSize(1);
    }

    @Test
    void shouldRemoveATombstonedSubscription() {
        onTopic("a", fixture.created("a", "https://a.example.com/"));
        store.open(Duration.ofSeconds(5));

        // when: a tombstone follows
        onTopic("a", null);
        store.step(Duration.ofMillis(10));

        // then
        assertThat(told).hasSize(2);
        assertThat(told.get(1)).isEmpty();
        assertThat(store.records()).isEmpty();
    }

    @Test
    void shouldSkipAndReportAnInvalidRecordWithItsKeyPathAndReadOn() throws Exception {
        // given: a valid version of "bad", then one to an internal address, then garbage, then a valid one
        var internal = fixture.schema.seal(StoreFixture.spec("bad", "https://10.0.0.1/hook"), "bad");
        onTopic("bad", fixture.created("bad", "https://ok.example.com/"));
        try (var logs = new LogCapture()) {
            onTopic("bad", fixture.raw(internal));
            onTopicRaw("garbage", "{not json".getBytes(StandardCharsets.UTF_8));
            onTopic("good", fixture.created("good", "https://good.example.com/"));

            // when
            store.open(Duration.ofSeconds(5));

            // then: the last version of "bad" is invalid, so none of it is applied; the reading went on
            assertThat(StoreFixture.ids(told.get(0))).containsExactly("good");
            assertThat(logs.text())
                    .contains("subscription bad of topics.subscriptions is not applied:"
                            + " crm.subscriptions: subscriptions[bad].url: ")
                    .contains("subscriptions[garbage]: is not JSON")
                    .doesNotContain(StoreFixture.SECRET)
                    .doesNotContain("enc:v1:");
        }
        assertThat(skipped("invalid")).isEqualTo(2);
    }

    @Test
    void shouldApplyASubscriptionWhoseKeyIsMissingOnceTheKeyFileHasIt() {
        // given: a subscription sealed under k2, read by a replica that has only k1
        fixture.keys.set(EncryptionKeys.parse(SecretCipherTest.K2, "keys"));
        StoredSubscription sealed = fixture.created("a", "https://a.example.com/");
        fixture.keys.set(EncryptionKeys.parse(SecretCipherTest.K1, "keys"));
        onTopic("a", sealed);
        store.open(Duration.ofSeconds(5));
        assertThat(told.get(0)).isEmpty();
        assertThat(skipped("missing_key")).isEqualTo(1);

        // when: the key file gains k2
        fixture.keys.set(EncryptionKeys.parse(SecretCipherTest.K1 + "\n" + SecretCipherTest.K2, "keys"));
        keyGeneration.incrementAndGet();
        store.step(Duration.ofMillis(10));

        // then
        assertThat(StoreFixture.ids(told.get(1))).containsExactly("a");
    }

    @Test
    void shouldReportARecordThatFailsUnexpectedlyAndReadOn() {
        // given: a sealed record, then a key source that fails on it, then a record whose secret is in clear
        onTopic("broken", fixture.created("broken", "https://a.example.com/"));
        onTopic("plain", fixture.raw(StoreFixture.spec("plain", "https://b.example.com/")));
        fixture.keys.set(null);

        // when
        store.open(Duration.ofSeconds(5));

        // then: neither applied, both reported, and the store opened
        assertThat(told).singleElement().satisfies(usable -> assertThat(usable).isEmpty());
        assertThat(skipped("invalid")).isEqualTo(2);
    }

    @Test
    void shouldRefuseASecretStoredInClear() {
        onTopic("a", fixture.raw(StoreFixture.spec("a", "https://a.example.com/")));

        store.open(Duration.ofSeconds(5));

        assertThat(told.get(0)).isEmpty();
        assertThat(skipped("invalid")).isEqualTo(1);
    }

    @Test
    void shouldRefuseAStoredSubscriptionThatReadsAPodFile() {
        var spec = StoreFixture.spec("a", "https://a.example.com/");
        spec.remove("secret");
        spec.put("secretFile", "/etc/passwd");
        onTopic("a", fixture.raw(spec));

        store.open(Duration.ofSeconds(5));

        assertThat(told.get(0)).isEmpty();
        assertThat(skipped("invalid")).isEqualTo(1);
    }

    private double skipped(String reason) {
        var counter = registry.find(DispatcherMetrics.STORE_SKIPPED)
                .tag("reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private void onTopic(String key, StoredSubscription record) {
        onTopicRaw(key, record == null ? null : record.toJson());
    }

    /** A record the consumer returns from its next poll; the end offset moves past it. */
    private void onTopicRaw(String key, byte[] value) {
        long at = offset++;
        consumer.updateEndOffsets(Map.of(PARTITION, offset));
        consumer.schedulePollTask(() -> consumer.addRecord(
                new ConsumerRecord<>(StoreFixture.TOPIC, 0, at, key.getBytes(StandardCharsets.UTF_8), value)));
    }
}
