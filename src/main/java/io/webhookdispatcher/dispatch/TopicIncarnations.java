package io.webhookdispatcher.dispatch;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka topic id of each consumed topic: what tells one incarnation of a topic name from the next, whose offsets
 * restart at 0.
 *
 * <p>Looked up at start-up, whenever partitions are assigned, and whenever a partition's offsets go back: a deleted
 * and recreated topic does not always come back through a rebalance (the consumer may just see the partition
 * again, reset to the new log's start), but its first record is then at an offset at or below the last one handled
 * from that partition, or below the offset committed when the partition was assigned. A redelivery after a
 * rebalance goes back too; that costs one lookup, which finds the same id.
 *
 * <p>The per-partition offsets are only touched on the poll thread (rebalance callbacks and record handling).
 */
public final class TopicIncarnations {
    private final Function<String, Optional<String>> lookup;
    private final Map<String, String> ids = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> lastOffset = new HashMap<>();

    /** @param lookup the topic's current id, or empty when it cannot be looked up now (the caller logs why) */
    public TopicIncarnations(Function<String, Optional<String>> lookup) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
    }

    /** Looks the topics up again; keeps the id last learned of one whose lookup failed. */
    public void refresh(Collection<String> topics) {
        for (String topic : topics) {
            lookup.apply(topic).ifPresent(id -> ids.put(topic, id));
        }
    }

    public boolean knows(String topic) {
        return ids.containsKey(topic);
    }

    /** @param committed the group's committed offset (the next record to handle), or -1 when unknown */
    public void assigned(TopicPartition partition, long committed) {
        lastOffset.put(partition, committed - 1);
    }

    public void revoked(Collection<TopicPartition> partitions) {
        partitions.forEach(lastOffset::remove);
    }

    /**
     * The id of the topic incarnation {@code record} was read from.
     *
     * @throws IllegalStateException when the topic's id was never learned (a start-up that skipped it)
     */
    public String idOf(ConsumerRecord<?, ?> record) {
        var tp = new TopicPartition(record.topic(), record.partition());
        Long last = lastOffset.put(tp, record.offset());
        if (last != null && record.offset() <= last) {
            refresh(List.of(record.topic()));
        }
        String id = ids.get(record.topic());
        if (id == null) {
            throw new IllegalStateException("no topic id learned for " + record.topic());
        }
        return id;
    }
}
