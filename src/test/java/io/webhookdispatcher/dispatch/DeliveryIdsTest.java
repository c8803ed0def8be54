package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DeliveryIdsTest {
    private static final String TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAQ";
    private static final String RECREATED_TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAg";

    @Test
    void shouldGiveTheSameIdForTheSameRecordAndSubscription() {
        assertThat(DeliveryIds.of(TOPIC_ID, "crm.events", 3, 42L, "crm-sync"))
                .isEqualTo(DeliveryIds.of(TOPIC_ID, "crm.events", 3, 42L, "crm-sync"));
    }

    @Test
    void shouldGiveDifferentIdsPerSubscriptionAndPerRecord() {
        String id = DeliveryIds.of(TOPIC_ID, "crm.events", 3, 42L, "crm-sync");

        assertThat(DeliveryIds.of(TOPIC_ID, "crm.events", 3, 42L, "audit-log")).isNotEqualTo(id);
        assertThat(DeliveryIds.of(TOPIC_ID, "crm.events", 3, 43L, "crm-sync")).isNotEqualTo(id);
        assertThat(DeliveryIds.of(TOPIC_ID, "crm.events", 4, 42L, "crm-sync")).isNotEqualTo(id);
        assertThat(DeliveryIds.of(TOPIC_ID, "other.events", 3, 42L, "crm-sync")).isNotEqualTo(id);
    }

    @Test
    void shouldGiveANewIdWhenTheTopicIsRecreated() {
        // given: the same name, partition, offset and subscription, in two incarnations of the topic
        String before = DeliveryIds.of(TOPIC_ID, "crm.events", 0, 0L, "crm-sync");

        // when
        String after = DeliveryIds.of(RECREATED_TOPIC_ID, "crm.events", 0, 0L, "crm-sync");

        // then
        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void shouldKeepTheShapeOfAUuid() {
        assertThat(DeliveryIds.of(TOPIC_ID, "crm.events", 0, 0L, "crm-sync"))
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void shouldBeStableAcrossVersions() {
        // pinned (an MD5 name-based UUID of "AAAAAAAAAAAAAAAAAAAAAQ/crm.events/0/0/crm-sync", checked with Python's
        // hashlib): receivers de-duplicate on it, so a change of derivation would re-deliver as "new"
        assertThat(DeliveryIds.of(TOPIC_ID, "crm.events", 0, 0L, "crm-sync"))
                .isEqualTo("0cf0abfe-036c-30c4-b3df-6a7a50b72964");
    }

    @Test
    void shouldRefuseAnUnknownTopicIncarnation() {
        assertThatThrownBy(() -> new TopicIncarnations(t -> Optional.empty()).idOf(record(0, 0L)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("crm.events");
    }

    @Test
    void shouldLookTheTopicUpAgainWhenAPartitionsOffsetsGoBack() {
        // given: a partition assigned at committed offset 5, whose records 5 and 6 were read from one incarnation
        var current = new AtomicReference<>(TOPIC_ID);
        var lookups = new AtomicInteger();
        var ids = new TopicIncarnations(t -> {
            lookups.incrementAndGet();
            return Optional.of(current.get());
        });
        ids.refresh(List.of("crm.events"));
        ids.assigned(new TopicPartition("crm.events", 0), 5);
        assertThat(ids.idOf(record(0, 5L))).isEqualTo(TOPIC_ID);
        assertThat(ids.idOf(record(0, 6L))).isEqualTo(TOPIC_ID);
        assertThat(lookups).hasValue(1);

        // when: the topic is recreated and its offsets start again at 0, without a rebalance
        current.set(RECREATED_TOPIC_ID);

        // then: the record at offset 0 is known to be of the new incarnation, and so are those after it
        assertThat(ids.idOf(record(0, 0L))).isEqualTo(RECREATED_TOPIC_ID);
        assertThat(ids.idOf(record(0, 1L))).isEqualTo(RECREATED_TOPIC_ID);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void shouldNoticeARecreatedTopicBeforeTheFirstRecordOfAnAssignment() {
        // given: assigned at committed offset 3, nothing read yet, and the topic recreated meanwhile
        var current = new AtomicReference<>(TOPIC_ID);
        var ids = new TopicIncarnations(t -> Optional.of(current.get()));
        ids.refresh(List.of("crm.events"));
        ids.assigned(new TopicPartition("crm.events", 0), 3);
        current.set(RECREATED_TOPIC_ID);

        // when / then
        assertThat(ids.idOf(record(0, 0L))).isEqualTo(RECREATED_TOPIC_ID);
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset) {
        return new ConsumerRecord<>("crm.events", partition, offset, null, null);
    }

    @Test
    void shouldMakeTheSameVersion3UuidsAsTheJdk() {
        for (int i = 0; i < 1000; i++) {
            byte[] name = ("topic-id/crm.events/" + (i % 7) + "/" + i + "/crm-sync")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(DeliveryIds.nameUuid(name)).isEqualTo(java.util.UUID.nameUUIDFromBytes(name));
        }
    }
}
