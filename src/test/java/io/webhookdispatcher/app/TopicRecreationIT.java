package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Delivery ids across incarnations of the events topic: offsets restart at 0, ids must not. */
@ExtendWith(DispatcherExtension.class)
class TopicRecreationIT {

    @Test
    void shouldGiveTheFirstEventOfARecreatedTopicANewWebhookId(DispatcherFixture dispatcher) throws Exception {
        // given: a running dispatcher that delivered the event at offset 0 of a one-partition events topic
        dispatcher
                .with("topics.partitions", 1)
                // the consumer notices the deletion and the new topic at its next metadata refresh
                .with("kafka.properties", Map.of("metadata.max.age.ms", "500"))
                .subscription("all", "/all", "[\"*\"]")
                .start();
        dispatcher.send("old", SampleEvents.event("person.created", "old"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> dispatcher.receivedIds("/all").contains("old") && dispatcher.uncommittedEvents() == 0);
        String oldId = dispatcher.receiver().received("/all").get(0).deliveryId();

        // when: the topic is deleted, created again under the same name, and gets a new event at offset 0
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, dispatcher.broker().bootstrapServers()))) {
            admin.deleteTopics(List.of(dispatcher.eventsTopic())).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> isGone(admin, dispatcher.eventsTopic()));
        }
        dispatcher.createEventsTopic();
        dispatcher.send("new", SampleEvents.event("person.created", "new"));

        // then: it is delivered under a different webhook-id
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.receivedIds("/all").contains("new"));
        List<String> newIds = dispatcher.receiver().received("/all").stream()
                .filter(r -> "new".equals(SampleEvents.idOf(r.body())))
                .map(Received::deliveryId)
                .distinct()
                .toList();
        assertThat(newIds).hasSize(1);
        assertThat(newIds.get(0)).isNotEqualTo(oldId);
    }

    private static boolean isGone(Admin admin, String topic) throws Exception {
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException;
        }
    }
}
