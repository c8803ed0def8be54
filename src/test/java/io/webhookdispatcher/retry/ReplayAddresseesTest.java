package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Which subscriptions a dead letter is replayed to: its own, or a whole group an earlier version could not read. */
class ReplayAddresseesTest {
    private static ConsumerRecord<byte[], byte[]> deadLetter(String header, String value) {
        var r = new ConsumerRecord<byte[], byte[]>("dlq", 0, 0, null, new byte[0]);
        if (header != null) {
            WebhookHeaders.put(r.headers(), header, value);
        }
        return r;
    }

    @Test
    void shouldReplayADeliveryToItsOneSubscription() {
        assertThat(Replay.addressees(deadLetter(WebhookHeaders.SUBSCRIPTION, "crm")))
                .containsExactly("crm");
    }

    @Test
    void shouldReplayARecordDeferredTogetherToEverySubscriptionItNames() {
        var r = deadLetter(WebhookHeaders.SUBSCRIPTIONS, "a:3f1c,b.2:9e7d");
        assertThat(Replay.addressees(r)).containsExactly("a", "b.2");
    }

    @Test
    void shouldFindNoSubscriptionInUnusableInput() {
        assertThat(Replay.addressees(deadLetter(null, null))).isEmpty();
    }
}
