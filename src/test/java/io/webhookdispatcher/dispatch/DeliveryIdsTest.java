package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveryIdsTest {

    @Test
    void shouldGiveTheSameIdForTheSameRecordAndSubscription() {
        assertThat(DeliveryIds.of("crm.events", 3, 42L, "crm-sync"))
                .isEqualTo(DeliveryIds.of("crm.events", 3, 42L, "crm-sync"));
    }

    @Test
    void shouldGiveDifferentIdsPerSubscriptionAndPerRecord() {
        String id = DeliveryIds.of("crm.events", 3, 42L, "crm-sync");

        assertThat(DeliveryIds.of("crm.events", 3, 42L, "audit-log")).isNotEqualTo(id);
        assertThat(DeliveryIds.of("crm.events", 3, 43L, "crm-sync")).isNotEqualTo(id);
        assertThat(DeliveryIds.of("crm.events", 4, 42L, "crm-sync")).isNotEqualTo(id);
        assertThat(DeliveryIds.of("other.events", 3, 42L, "crm-sync")).isNotEqualTo(id);
    }

    @Test
    void shouldBeStableAcrossVersions() {
        // pinned (an MD5 name-based UUID, checked with Python's hashlib): receivers de-duplicate on it, so a change of
        // derivation would re-deliver as "new"
        assertThat(DeliveryIds.of("crm.events", 0, 0L, "crm-sync")).isEqualTo("5626923f-c2ea-3338-a8f8-7a123303a787");
    }
}
