package io.webhookdispatcher.operations;

import static io.webhookdispatcher.operations.TestRecords.disabled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The compare-and-set write when the broker's answer to a commit leaves the commit's outcome unknown. */
class OperationsTopicTest {
    private static final String TOPIC = "ops";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Predicate<Optional<OperationRecord>> NOT_DISABLED =
            state -> state.map(r -> !r.disabled()).orElse(true);
    /** What the embedded broker answered once in CI while two writers fenced each other. */
    private static final KafkaException UNKNOWN = new KafkaException(
            "Unhandled error in EndTxnResponse: The server experienced an unexpected error when processing the request.");

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    /** Run before the producer of that index (0: the first attempt's) is made. */
    private final Map<Integer, Runnable> beforeProducer = new HashMap<>();

    private long end;
    /** A send's error, delivered to its future when the writer flushes (null: sends succeed). */
    private RuntimeException sendFailure;

    /** @param commitFailure by producer index, what its commit throws (null: it commits) */
    private OperationsTopic topic(IntFunction<RuntimeException> commitFailure) {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, 0L));
        var topic = new OperationsTopic(
                consumer,
                () -> {
                    int index = producers.size();
                    beforeProducer.getOrDefault(index, () -> {}).run();
                    var p = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
                        @Override
                        public synchronized void flush() {
                            if (sendFailure != null) {
                                errorNext(sendFailure);
                            }
                            super.flush();
                        }
                    };
                    p.commitTransactionException = commitFailure.apply(index);
                    producers.add(p);
                    return p;
                },
                TOPIC,
                r -> {});
        topic.open(TIMEOUT);
        return topic;
    }

    /** The record is on the topic, committed: the next catch-up reads it. */
    private void committedOnTheTopic(OperationRecord record) {
        consumer.addRecord(new ConsumerRecord<>(
                TOPIC, 0, end, record.subscription().getBytes(StandardCharsets.UTF_8), record.toJson()));
        consumer.updateEndOffsets(Map.of(PARTITION, ++end));
    }

    @Test
    void shouldDecideAgainWithANewProducerWhenACommitsOutcomeIsUnknown() {
        // given: the first commit is answered with an unknown server error, and did not land
        OperationsTopic topic = topic(i -> i == 0 ? UNKNOWN : null);

        // when
        boolean written = topic.writeIf(NOT_DISABLED, disabled("s1"), TIMEOUT);

        // then: a second producer (whose initTransactions settles the first one's transaction) wrote it
        assertThat(written).isTrue();
        assertThat(producers).hasSize(2);
        assertThat(producers.get(0).transactionCommitted()).isFalse();
        assertThat(producers.get(1).transactionCommitted()).isTrue();
        assertThat(producers.get(1).history()).hasSize(1);
        assertThat(producers).allSatisfy(p -> assertThat(p.closed()).isTrue());
    }

    @Test
    void shouldReportAWriteWhoseUnknownCommitLandedWithoutWritingItAgain() {
        // given: the first commit is answered with an unknown server error, but it landed
        var record = disabled("s1");
        beforeProducer.put(1, () -> committedOnTheTopic(record));
        OperationsTopic topic = topic(i -> i == 0 ? UNKNOWN : null);

        // when
        boolean written = topic.writeIf(NOT_DISABLED, record, TIMEOUT);

        // then: it is read back as this write's record and not written twice
        assertThat(written).isTrue();
        assertThat(topic.state("s1")).contains(record);
        assertThat(producers).hasSize(2);
        assertThat(producers.get(1).history()).isEmpty();
    }

    @Test
    void shouldGiveUpAfterFiveUnknownOutcomes() {
        OperationsTopic topic = topic(i -> UNKNOWN);

        assertThatThrownBy(() -> topic.writeIf(NOT_DISABLED, disabled("s1"), TIMEOUT))
                .isSameAs(UNKNOWN);
        assertThat(producers).hasSize(5);
    }

    /** Known outcomes, and errors a second attempt would only repeat. */
    static Stream<RuntimeException> shouldNotRetryACommitErrorThatIsNotAnUnknownOutcome() {
        return Stream.of(
                new TopicAuthorizationException("not allowed"),
                new KafkaException(
                        "Cannot execute transactional method because we are in an error state",
                        new TopicAuthorizationException("not allowed")),
                new org.apache.kafka.common.errors.TimeoutException("timed out"));
    }

    @ParameterizedTest
    @MethodSource
    void shouldNotRetryACommitErrorThatIsNotAnUnknownOutcome(RuntimeException error) {
        OperationsTopic topic = topic(i -> error);

        assertThatThrownBy(() -> topic.writeIf(NOT_DISABLED, disabled("s1"), TIMEOUT))
                .isSameAs(error);
        assertThat(producers).hasSize(1);
    }

    @Test
    void shouldThrowAFailedSendAtOnceWithoutCommitting() {
        // a failed send leaves nothing committed: a known outcome, not one to decide again
        sendFailure = new RecordTooLargeException("too large");
        OperationsTopic topic = topic(i -> null);

        assertThatThrownBy(() -> topic.writeIf(NOT_DISABLED, disabled("s1"), TIMEOUT))
                .isSameAs(sendFailure);
        assertThat(producers).hasSize(1);
        assertThat(producers.get(0).transactionCommitted()).isFalse();
    }
}
