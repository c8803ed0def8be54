package io.webhookdispatcher.app;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a consumer loop's rebalance listener. For assigned partitions that the group has no committed offset
 * for, it logs which start policy applied and commits the position the consumer found, before the loop sees
 * the assignment. So a group's starting point is fixed when it first gets a partition: with {@code startFrom:
 * latest}, a restart before the first record arrived does not start from "latest" again and skip what was
 * written in between.
 *
 * <p>Runs on the poll thread, inside {@code poll()}; a failure only costs that guarantee and is logged, it
 * never fails the rebalance.
 */
final class StartingPositions implements ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(StartingPositions.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Consumer<?, ?> consumer;
    private final String loop;
    private final String groupId;
    private final String policy;
    private final ConsumerRebalanceListener delegate;

    /** @param policy what applies and why, for the log line, e.g. {@code "latest offset (kafka.startFrom)"} */
    StartingPositions(
            Consumer<?, ?> consumer, String loop, String groupId, String policy, ConsumerRebalanceListener delegate) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        if (!assigned.isEmpty()) {
            fixStart(assigned);
        }
        delegate.onPartitionsAssigned(assigned);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        delegate.onPartitionsRevoked(revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
        delegate.onPartitionsLost(lost);
    }

    private void fixStart(Collection<TopicPartition> assigned) {
        var start = new LinkedHashMap<TopicPartition, OffsetAndMetadata>();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned), TIMEOUT);
            assigned.stream()
                    .filter(tp -> committed.get(tp) == null)
                    .sorted(Comparator.comparing(TopicPartition::topic).thenComparing(TopicPartition::partition))
                    .forEach(tp -> start.put(tp, new OffsetAndMetadata(consumer.position(tp, TIMEOUT))));
            if (start.isEmpty()) {
                return;
            }
            consumer.commitSync(start, TIMEOUT);
            log.info(
                    "{}: group {} had no committed offset for {}: started them from the {}, at {}",
                    loop,
                    groupId,
                    start.keySet(),
                    policy,
                    offsets(start));
        } catch (WakeupException e) {
            consumer.wakeup(); // meant for the poll loop (stop(), or a resume): pass it on
            log.info("{}: interrupted while fixing the start of {} in group {}", loop, start.keySet(), groupId);
        } catch (KafkaException e) {
            log.warn(
                    "{}: could not check or commit the starting offsets of {} in group {} ({}); until their first"
                            + " commit, a restart starts them from the {} again",
                    loop,
                    assigned,
                    groupId,
                    e.toString(),
                    policy);
        }
    }

    private static Map<String, Long> offsets(Map<TopicPartition, OffsetAndMetadata> start) {
        var shown = new LinkedHashMap<String, Long>();
        start.forEach((tp, om) -> shown.put(tp.toString(), om.offset()));
        return shown;
    }
}
