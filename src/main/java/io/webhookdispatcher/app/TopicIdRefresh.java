package io.webhookdispatcher.app;

import io.webhookdispatcher.dispatch.TopicIncarnations;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link TopicIncarnations} about assignments before the loop sees them (so before any of their records is
 * handled): the topics' ids are looked up again and each partition's committed offset noted, below which an offset
 * means a new incarnation of the topic.
 *
 * <p>Runs on the poll thread, inside {@code poll()}. A failed lookup keeps what was last learned (logged): failing
 * the rebalance would stop delivery altogether.
 */
final class TopicIdRefresh implements ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(TopicIdRefresh.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<?, ?> consumer;
    private final TopicIncarnations ids;
    private final ConsumerRebalanceListener delegate;

    TopicIdRefresh(Consumer<?, ?> consumer, TopicIncarnations ids, ConsumerRebalanceListener delegate) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The topic's current id (base64, as Kafka prints it), or empty after logging why it cannot be had now. */
    static Optional<String> lookup(Admin admin, String topic) {
        try {
            return Optional.of(admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic)
                    .topicId()
                    .toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while looking up the topic id of {}", topic);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn(
                    "could not look up the topic id of {} ({}); keeping the id last learned: if the topic was"
                            + " recreated, its new events' webhook-ids may repeat old ones",
                    topic,
                    e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        }
        return Optional.empty();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        if (!assigned.isEmpty()) {
            Set<String> topics = assigned.stream().map(TopicPartition::topic).collect(Collectors.toSet());
            ids.refresh(topics);
            try {
                consumer.committed(new HashSet<>(assigned), TIMEOUT)
                        .forEach((tp, om) -> ids.assigned(tp, om == null ? -1 : om.offset()));
            } catch (WakeupException e) {
                consumer.wakeup(); // meant for the poll loop (stop(), or a resume): pass it on
            } catch (KafkaException e) {
                log.warn("could not read the committed offsets of {}: {}", assigned, e.toString());
            }
        }
        delegate.onPartitionsAssigned(assigned);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        delegate.onPartitionsRevoked(revoked);
        ids.revoked(revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
        delegate.onPartitionsLost(lost);
        ids.revoked(lost);
    }
}
