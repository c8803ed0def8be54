package io.webhookdispatcher.retry;

import static io.webhookdispatcher.retry.WebhookHeaders.get;

import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.EventType;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * {@code replay}: puts dead-lettered deliveries back on the retry path. Reads the dead-letter topic from
 * the beginning to the end offsets seen at start (so it always ends), with no consumer group (each run
 * replays again; receivers de-duplicate by {@code webhook-id}), and re-publishes each matching record to
 * the first retry topic, due now, with the attempt count reset and the same delivery id.
 */
public final class Replay {
    public static final String REPLAYED_AT = "webhook.replayed-at";

    /** Which dead letters to replay; empty fields match everything. Times compare to when it was dead-lettered. */
    public record Filter(
            Optional<String> subscription,
            Optional<EventFilter> event,
            Optional<String> reason,
            Optional<Instant> since,
            Optional<Instant> until) {
        boolean matches(ConsumerRecord<byte[], byte[]> r) {
            Instant deadLetteredAt = Instant.ofEpochMilli(r.timestamp());
            return subscription.map(s -> addressees(r).contains(s)).orElse(true)
                    && reason.map(s -> s.equals(
                                    get(r.headers(), WebhookHeaders.REASON).orElse(null)))
                            .orElse(true)
                    && event.map(f -> get(r.headers(), WebhookHeaders.EVENT_TYPE)
                                    .flatMap(EventType::parse)
                                    .map(f::matches)
                                    .orElse(false))
                            .orElse(true)
                    && since.map(t -> !deadLetteredAt.isBefore(t)).orElse(true)
                    && until.map(deadLetteredAt::isBefore).orElse(true);
        }
    }

    /**
     * The subscriptions a dead letter is for: its one, or those of a record deferred together that a replica of an
     * earlier version could not read (a group is replayed whole).
     */
    static List<String> addressees(ConsumerRecord<byte[], byte[]> r) {
        return get(r.headers(), WebhookHeaders.SUBSCRIPTION)
                .map(List::of)
                .or(() -> get(r.headers(), WebhookHeaders.SUBSCRIPTIONS)
                        .map(group -> Arrays.stream(group.split(","))
                                .map(pair -> pair.substring(0, Math.max(0, pair.indexOf(':'))))
                                .filter(id -> !id.isEmpty())
                                .toList()))
                .orElse(List.of());
    }

    public record Result(long scanned, long matched, long republished, long notReplayable) {}

    private final Consumer<byte[], byte[]> reader;
    private final Producer<byte[], byte[]> producer;
    private final Clock clock;
    private final PrintStream out;

    public Replay(Consumer<byte[], byte[]> reader, Producer<byte[], byte[]> producer, Clock clock, PrintStream out) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.out = Objects.requireNonNull(out, "out");
    }

    public Result run(String deadLetterTopic, String retryTopic, Filter filter, boolean dryRun) throws Exception {
        List<TopicPartition> partitions = reader.partitionsFor(deadLetterTopic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(deadLetterTopic, p.partition()))
                .toList();
        reader.assign(partitions);
        reader.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = reader.endOffsets(partitions);
        long scanned = 0;
        long matched = 0;
        long notReplayable = 0;
        var sends = new ArrayList<Future<RecordMetadata>>();
        while (partitions.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
                if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                    continue; // arrived after we started
                }
                scanned++;
                if (addressees(r).isEmpty()) {
                    notReplayable++; // unusable input, not a delivery: there is nothing to retry
                    continue;
                }
                if (!filter.matches(r)) {
                    continue;
                }
                matched++;
                out.printf(
                        "%s %s subscription=%s event=%s reason=%s dead-lettered-at=%s%n",
                        dryRun ? "would replay" : "replaying",
                        get(r.headers(), WebhookHeaders.DELIVERY_ID).orElse("?"),
                        String.join(",", addressees(r)),
                        get(r.headers(), WebhookHeaders.EVENT_TYPE).orElse("?"),
                        get(r.headers(), WebhookHeaders.REASON).orElse("?"),
                        Instant.ofEpochMilli(r.timestamp()));
                if (!dryRun) {
                    sends.add(producer.send(retryRecord(r, retryTopic)));
                }
            }
        }
        producer.flush();
        for (Future<RecordMetadata> send : sends) {
            send.get(60, TimeUnit.SECONDS); // fail loudly rather than report a replay that did not happen
        }
        return new Result(scanned, matched, sends.size(), notReplayable);
    }

    private ProducerRecord<byte[], byte[]> retryRecord(ConsumerRecord<byte[], byte[]> dead, String retryTopic) {
        var headers = new RecordHeaders();
        for (var h : dead.headers()) {
            String k = h.key();
            if (!k.equals(WebhookHeaders.REASON)
                    && !k.equals(WebhookHeaders.ATTEMPTS)
                    && !k.equals(WebhookHeaders.DUE_AT)
                    && !k.equals(REPLAYED_AT)) {
                headers.add(h);
            }
        }
        Instant now = clock.instant();
        WebhookHeaders.put(headers, WebhookHeaders.ATTEMPTS, 0);
        WebhookHeaders.put(headers, WebhookHeaders.DUE_AT, now);
        WebhookHeaders.put(headers, REPLAYED_AT, now);
        return new ProducerRecord<>(retryTopic, null, dead.key(), dead.value(), headers);
    }
}
