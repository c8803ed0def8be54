package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.testkit.FakeClock;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A subscription taken out of the config lets go of what it held for sending, and the sender is told what is left. */
class LaneRemovalTest {
    private final List<String> sent = new ArrayList<>();
    private final List<List<String>> retained = new ArrayList<>();
    private final WebhookSender sender = new WebhookSender() {
        @Override
        public Endpoint endpoint(Subscription subscription) {
            return (deliveryId, body) -> {
                sent.add(subscription.id());
                return CompletableFuture.completedFuture(new DeliveryOutcome.Delivered(200, java.time.Duration.ZERO));
            };
        }

        @Override
        public void retain(Collection<Subscription> current) {
            retained.add(current.stream().map(Subscription::id).toList());
        }

        @Override
        public void close() {}
    };
    private final Subscriptions subscriptions =
            new Subscriptions(List.of(subscription("a"), subscription("b")), sender, new FakeClock(), lane -> {});

    @Test
    void shouldLetARemovedLanesEndpointGoAndTellTheSenderWhichSubscriptionsRemain() throws Exception {
        Lane b = subscriptions.lane("b").orElseThrow();

        // when: b leaves the config
        subscriptions.replace(List.of(subscription("a")));

        // then: its lane stays (its retries are dead-lettered subscription-removed), holding no endpoint of the sender
        assertThat(b.removed()).isTrue();
        DeliveryOutcome outcome = b.endpoint().send("d-1", new byte[0]).get();
        assertThat(outcome)
                .isInstanceOfSatisfying(
                        DeliveryOutcome.Retryable.class,
                        r -> assertThat(r.failure().errorClass()).isEqualTo("subscription-removed"));
        assertThat(sent).isEmpty();
        assertThat(retained).last().isEqualTo(List.of("a"));

        // and: back in the config, it sends through the sender again
        subscriptions.replace(List.of(subscription("a"), subscription("b")));
        assertThat(b.endpoint().send("d-2", new byte[0]).get()).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(sent).containsExactly("b");
    }

    private static Subscription subscription(String id) {
        return new Subscription(
                id,
                URI.create("https://" + id + ".example.com/"),
                new Secret("a-secret-of-24-bytes-or-more"),
                List.of(EventFilter.parse("*")),
                true);
    }
}
