package io.webhookdispatcher.attempts;

import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.EventType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code attempts}: reads the delivery log from {@code since} (found with {@code offsetsForTimes}, so a long topic
 * costs only the window asked for) to the end offsets seen at start, with no consumer group, and keeps the records
 * that match every filter. With a delivery id, only the partition that id is written to is read.
 */
public final class AttemptQuery {

    /** Which attempts; empty fields match everything. Times compare to when the attempt started. */
    public record Filter(
            Optional<String> subscription,
            Optional<String> key,
            Optional<String> deliveryId,
            Optional<EventFilter> event,
            Optional<String> outcome,
            Instant since,
            Optional<Instant> until) {
        public Filter {
            Objects.requireNonNull(since, "since");
        }

        public boolean matches(AttemptRecord a) {
            return subscription.map(s -> s.equals(a.subscription())).orElse(true)
                    && key.map(k -> k.equals(a.key()) || k.equals(a.keyBase64()))
                            .orElse(true)
                    && deliveryId.map(id -> id.equals(a.deliveryId())).orElse(true)
                    && outcome.map(o -> o.equals(a.outcome())).orElse(true)
                    && event.map(f -> a.eventType() != null
                                    && EventType.parse(a.eventType())
                                            .map(f::matches)
                                            .orElse(false))
                            .orElse(true)
                    && !a.started().isBefore(since)
                    && until.map(u -> a.started().isBefore(u)).orElse(true);
        }
    }

    /**
     * @param scanned    records read
     * @param unreadable records that were not attempt records (skipped)
     * @param matched    every match, oldest first, at most the limit asked for
     * @param total      how many matched, including those beyond the limit
     */
    public record Result(long scanned, long unreadable, List<AttemptRecord> matched, long total) {}

    private final Consumer<byte[], byte[]> reader;

    public AttemptQuery(Consumer<byte[], byte[]> reader) {
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    public Result run(String topic, Filter filter, int limit) {
        List<PartitionInfo> infos = reader.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("the attempts topic " + topic + " does not exist");
        }
        List<TopicPartition> partitions = filter.deliveryId()
                .map(id -> List.of(new TopicPartition(topic, partitionOf(id, infos.size()))))
                .orElseGet(() -> infos.stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList());
        reader.assign(partitions);
        Map<TopicPartition, Long> end = reader.endOffsets(partitions);
        var query = new HashMap<TopicPartition, Long>();
        partitions.forEach(tp -> query.put(tp, filter.since().toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> start = reader.offsetsForTimes(query);
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = start.get(tp);
            reader.seek(tp, at == null ? end.get(tp) : at.offset()); // null: nothing written since
        }
        long scanned = 0;
        long unreadable = 0;
        long total = 0;
        var matched = new ArrayList<AttemptRecord>();
        while (partitions.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
                if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition())) || r.value() == null) {
                    continue; // written after we started, or a tombstone
                }
                scanned++;
                AttemptRecord a;
                try {
                    a = AttemptRecord.fromJson(r.value());
                } catch (IOException | RuntimeException e) {
                    unreadable++;
                    continue;
                }
                if (filter.matches(a)) {
                    total++;
                    if (matched.size() < limit) {
                        matched.add(a);
                    }
                }
            }
        }
        matched.sort(Comparator.comparing(AttemptRecord::started)
                .thenComparing(AttemptRecord::deliveryId)
                .thenComparingInt(AttemptRecord::attempt));
        return new Result(scanned, unreadable, List.copyOf(matched), total);
    }

    /** Where the producer's default partitioner puts a record keyed by this delivery id. */
    static int partitionOf(String deliveryId, int partitions) {
        return Utils.toPositive(Utils.murmur2(deliveryId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
