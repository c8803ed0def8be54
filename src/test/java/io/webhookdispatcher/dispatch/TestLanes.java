package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.testkit.FakeSender;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/** Lanes and queued deliveries for the unit tests of the scheduler's pieces, without a scheduler. */
final class TestLanes {
    static final CircuitBreaker.Settings BREAKER =
            new CircuitBreaker.Settings(true, 5, 0.5, 50, 20, Duration.ofSeconds(5), Duration.ofMinutes(5));
    private static final Lease LEASE = new Lease(new TopicPartition("events", 0));

    private TestLanes() {}

    static Lane lane(String id, int maxInFlight) {
        return lane(id, maxInFlight, Optional.empty());
    }

    static Lane lane(String id, int maxInFlight, Optional<RateLimit> rateLimit) {
        return lane(id, maxInFlight, rateLimit, Optional.empty());
    }

    /** A lane of {@code workspace}'s subscription. */
    static Lane lane(String id, int maxInFlight, String workspace) {
        return lane(id, maxInFlight, Optional.empty(), Optional.of(workspace));
    }

    /** A lane for the routing tests: of {@code workspace}'s subscription (null: unscoped) that wants {@code events}. */
    static Lane routed(String id, String workspace, String... events) {
        return lane(id, 4, Optional.empty(), Optional.ofNullable(workspace), events);
    }

    private static Lane lane(String id, int maxInFlight, Optional<RateLimit> rateLimit, Optional<String> workspace) {
        return lane(id, maxInFlight, rateLimit, workspace, "*");
    }

    private static Lane lane(
            String id, int maxInFlight, Optional<RateLimit> rateLimit, Optional<String> workspace, String... events) {
        var subscription = new Subscription(
                id,
                URI.create("http://receiver/" + id),
                Signing.twenty(new Secret("secret-" + id)),
                Arrays.stream(events).map(EventFilter::parse).toList(),
                true,
                maxInFlight,
                rateLimit,
                BREAKER,
                Tls.DEFAULT,
                Optional.empty(),
                Optional.empty(),
                workspace,
                java.util.Optional.empty());
        return new Lane(subscription, new FakeSender().endpoint(subscription), 0);
    }

    static Job job(Lane lane, int bytes) {
        var message = new Delivery.Message(
                "id", null, new byte[bytes], "person.created", null, new Delivery.Origin("events", 0, 0, 0));
        return new Job(Delivery.first(message, lane, LEASE));
    }

    /** {@code count} deliveries of {@code bytes} each, queued on the lane. */
    static void queue(Lane lane, int count, int bytes) {
        for (int i = 0; i < count; i++) {
            lane.enqueue(job(lane, bytes));
        }
    }
}
