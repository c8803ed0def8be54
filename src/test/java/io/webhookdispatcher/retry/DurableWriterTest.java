package io.webhookdispatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webhookdispatcher.consume.Lease;
import io.webhookdispatcher.consume.RecordCompletion;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A write is an outcome only once acknowledged; a failing topic holds its writes back, and only its own. */
class DurableWriterTest {
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DurableWriter writer = new DurableWriter(producer, new DispatcherMetrics(registry, true, List.of()));
    private final Lease lease = new Lease(new TopicPartition("crm.events", 0));

    @AfterEach
    void tearDown() {
        writer.close();
    }

    private CompletableFuture<RecordCompletion> write(String topic) {
        return writer.write(new ProducerRecord<>(topic, new byte[10]), lease);
    }

    private int sent(String topic) {
        return (int)
                producer.history().stream().filter(r -> r.topic().equals(topic)).count();
    }

    @Test
    void shouldCompleteOnlyOnceTheBrokerAcknowledged() {
        // when
        CompletableFuture<RecordCompletion> done = write("crm.events.dlt");
        await().until(() -> sent("crm.events.dlt") == 1);

        // then
        assertThat(done).isNotDone();
        producer.completeNext();
        await().until(done::isDone);
        assertThat(done).isCompletedWithValue(RecordCompletion.DURABLE);
    }

    @Test
    void shouldHoldAFailingTopicsWritesAndSendThemOnceAProbeIsAcknowledged() {
        // given: the first write fails (e.g. the topic was deleted)
        CompletableFuture<RecordCompletion> first = write("crm.events.dlt");
        await().until(() -> sent("crm.events.dlt") == 1);
        producer.errorNext(new TimeoutException("topic not present in metadata"));

        // when: 50 more writes arrive while it fails
        List<CompletableFuture<RecordCompletion>> more =
                IntStream.range(0, 50).mapToObj(i -> write("crm.events.dlt")).toList();

        // then: none is sent but the probe, after the first backoff (0.5 s)
        await().atMost(Duration.ofSeconds(5)).until(() -> sent("crm.events.dlt") == 2);
        assertThat(first).isNotDone();
        assertThat(more).noneMatch(CompletableFuture::isDone);
        assertThat(registry.get(DispatcherMetrics.WRITE_FAILURES).counter().count())
                .isEqualTo(1);

        // when: the probe is acknowledged
        producer.completeNext();

        // then: the backlog goes out, and each completes once acknowledged
        await().until(() -> sent("crm.events.dlt") == 52);
        while (producer.completeNext()) {
            // acknowledge everything
        }
        await().untilAsserted(() -> {
            assertThat(first).isCompletedWithValue(RecordCompletion.DURABLE);
            assertThat(more).allSatisfy(f -> assertThat(f).isCompletedWithValue(RecordCompletion.DURABLE));
        });
    }

    @Test
    void shouldNotLetAFailingTopicDelayWritesToAnother() {
        // given: the dead-letter topic fails
        write("crm.events.dlt");
        await().until(() -> sent("crm.events.dlt") == 1);
        producer.errorNext(new TimeoutException("topic not present in metadata"));

        // when
        CompletableFuture<RecordCompletion> retry = write("crm.events.retry-5s");
        await().until(() -> sent("crm.events.retry-5s") == 1);
        producer.completeNext();

        // then
        await().until(retry::isDone);
        assertThat(retry).isCompletedWithValue(RecordCompletion.DURABLE);
    }

    @Test
    void shouldDropAWaitingWriteOnceItsPartitionWasGivenUp() {
        // given: a write that failed and waits for its retry
        CompletableFuture<RecordCompletion> done = write("crm.events.dlt");
        await().until(() -> sent("crm.events.dlt") == 1);
        producer.errorNext(new TimeoutException("topic not present in metadata"));

        // when: the partition goes to another instance before the retry
        lease.end();

        // then: it is dropped, not written (the next owner redoes it), and nothing more is sent
        await().atMost(Duration.ofSeconds(5)).until(done::isDone);
        assertThat(done).isCompletedWithValue(RecordCompletion.DROPPED);
        assertThat(sent("crm.events.dlt")).isEqualTo(1);
    }
}
