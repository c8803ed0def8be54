package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import io.webhookdispatcher.testkit.SampleEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The {@code kafka} section on a real broker: where a new group starts, isolation, the KIP-848 protocol. */
@ExtendWith(DispatcherExtension.class)
class KafkaSettingsIT {
    private static final List<String> TYPES = List.of("person.updated");

    @Test
    void shouldNotDeliverWhatWasWrittenBeforeTheGroupFirstJoinedWithStartFromLatest(DispatcherFixture dispatcher)
            throws Exception {
        // given: a backlog in the topic before the group ever existed
        dispatcher
                .with("kafka.startFrom", "latest")
                .subscription("hook", "/hook", "[\"*\"]")
                .createEventsTopic();
        dispatcher.produce(20, TYPES);

        try (DispatcherProcess first = dispatcher.startProcess()) {
            // when: the group joins, then new events arrive
            await().atMost(Duration.ofSeconds(60)).until(() -> first.output().contains("retry-consumer: group"));
            await().atMost(Duration.ofSeconds(60)).until(() -> first.output().contains("events-consumer: group"));
            Set<String> fresh = sendAll("new", 10, dispatcher);

            // then: only those are delivered, and the log says which policy applied to which group
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> dispatcher.receivedIds().equals(fresh));
            await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.uncommittedEvents() == 0);
            assertThat(dispatcher.receivedIds()).isEqualTo(fresh);
            assertThat(first.output())
                    .containsPattern("events-consumer: group " + dispatcher.run() + " had no committed offset for \\[.*"
                            + "started them from the latest offset \\(kafka.startFrom: latest\\)")
                    .containsPattern("retry-consumer: group " + dispatcher.run() + "-retry had no committed offset"
                            + " for \\[.*started them from the earliest offset \\(retry topics always start there\\)");
            assertThat(first.terminate(30)).isZero();
        }
    }

    @Test
    void shouldKeepTheGroupsStartingPointAcrossARestartBeforeItsFirstEvent(DispatcherFixture dispatcher)
            throws Exception {
        // given: a group that joined with startFrom latest and stopped before any event arrived
        dispatcher
                .with("kafka.startFrom", "latest")
                .subscription("hook", "/hook", "[\"*\"]")
                .createEventsTopic();
        dispatcher.produce(5, TYPES);
        Application first = dispatcher.start();
        awaitReady(first);
        first.close();

        // when: events arrive while no dispatcher runs, then it starts again
        Set<String> whileDown = sendAll("while-down", 10, dispatcher);
        Application second = dispatcher.start();

        // then: "latest" was fixed at the first join, so nothing written since then is skipped
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.receivedIds().equals(whileDown));
        await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.uncommittedEvents() == 0);
        assertThat(dispatcher.receivedIds()).isEqualTo(whileDown);
        second.close();
    }

    @Test
    void shouldDeliverTheRetainedBacklogWithStartFromEarliest(DispatcherFixture dispatcher) throws Exception {
        // given
        dispatcher
                .with("kafka.startFrom", "earliest")
                .subscription("hook", "/hook", "[\"*\"]")
                .createEventsTopic();
        dispatcher.produce(20, TYPES);

        // when
        dispatcher.start();

        // then
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.receivedIds().size() == 20);
        await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldNotDeliverAnAbortedTransactionalWrite(DispatcherFixture dispatcher) throws Exception {
        // given: a running dispatcher with the default isolation level
        dispatcher.subscription("hook", "/hook", "[\"*\"]").start();

        // when: one transaction aborts, the next one commits
        var committed = new HashSet<String>();
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        dispatcher.broker().bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        dispatcher.run() + "-tx"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(record(dispatcher, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(record(dispatcher, "committed-" + i));
                committed.add("committed-" + i);
            }
            producer.commitTransaction();
        }

        // then: only the committed transaction becomes webhooks
        await().atMost(Duration.ofSeconds(60))
                .until(() -> dispatcher.receivedIds().equals(committed));
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> dispatcher.receivedIds().equals(committed));
    }

    @Test
    void shouldDeliverRetryAndRebalanceWithTheConsumerGroupProtocol(DispatcherFixture dispatcher) throws Exception {
        // given: KIP-848 groups, and an endpoint that fails each delivery's first attempt (so every event also
        // goes through a retry topic, which the retry consumer reads by pattern)
        dispatcher.receiver().answerPerDelivery("/hook", 503, 200);
        dispatcher
                .with("kafka.properties", Map.of("group.protocol", "consumer"))
                .with("delivery.circuitBreaker", "{enabled: false}") // every first attempt fails, by design
                .subscription("hook", "/hook", "[\"*\"]");
        Application first = dispatcher.start();
        Set<String> before = sendAll("before", 30, dispatcher);
        await().atMost(Duration.ofSeconds(60)).until(() -> delivered(dispatcher).containsAll(before));

        // when: a second dispatcher joins: partitions move (revoked on the first one) in both groups
        Application second = dispatcher.start();
        awaitReady(second);
        await().atMost(Duration.ofSeconds(60)).until(() -> membersWithPartitions(dispatcher, dispatcher.run()) == 2);
        Set<String> after = sendAll("after", 30, dispatcher);

        // then: everything is delivered and committed, and both groups really use the consumer protocol
        await().atMost(Duration.ofSeconds(60)).until(() -> delivered(dispatcher).containsAll(after));
        await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.uncommittedEvents() == 0);
        assertThat(groupType(dispatcher, dispatcher.run())).isEqualTo(GroupType.CONSUMER);
        assertThat(groupType(dispatcher, dispatcher.run() + "-retry")).isEqualTo(GroupType.CONSUMER);
        second.close();
        first.close();
    }

    @Test
    void shouldRejectABadKafkaPropertyInValidateConfigWithTheKafkaClientsMessage(DispatcherFixture dispatcher)
            throws Exception {
        // given
        Path config = dispatcher
                .with("kafka.properties", Map.of("security.protocol", "BOGUS"))
                .subscription("hook", "/hook", "[\"*\"]")
                .writeConfig();

        // when
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        DispatcherProcess.jar().toString(),
                        "validate-config",
                        "--config",
                        config.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        // then
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output)
                .contains("kafka.properties.security.protocol: Invalid value BOGUS for configuration"
                        + " security.protocol: String must be one of (case insensitive): ");
        Files.deleteIfExists(config);
    }

    private static Set<String> sendAll(String prefix, int count, DispatcherFixture dispatcher) {
        var ids = new HashSet<String>();
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            dispatcher.kafka().sendAsync(dispatcher.eventsTopic(), id, SampleEvents.event("person.updated", id));
            ids.add(id);
        }
        dispatcher.kafka().flush();
        return ids;
    }

    /** Ids of the events the receiver answered 2xx to. */
    private static Set<String> delivered(DispatcherFixture dispatcher) {
        return DispatcherFixture.ids(dispatcher.receiver().received().stream()
                .filter(r -> r.answeredStatus() / 100 == 2)
                .toList());
    }

    private static ProducerRecord<byte[], byte[]> record(DispatcherFixture dispatcher, String id) {
        return new ProducerRecord<>(
                dispatcher.eventsTopic(),
                id.getBytes(StandardCharsets.UTF_8),
                SampleEvents.event("person.updated", id));
    }

    /** Until {@code /health/ready} answers 200: both consumers have joined their groups. */
    private static void awaitReady(Application app) {
        var http = HttpClient.newHttpClient();
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort() + "/health/ready"))
                .timeout(Duration.ofSeconds(5))
                .build();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try {
                return http.send(request, HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static ConsumerGroupDescription describe(DispatcherFixture dispatcher, String group) throws Exception {
        try (Admin admin = Admin.create(
                Map.<String, Object>of("bootstrap.servers", dispatcher.broker().bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(10, TimeUnit.SECONDS);
        }
    }

    private static GroupType groupType(DispatcherFixture dispatcher, String group) throws Exception {
        return describe(dispatcher, group).type();
    }

    private static long membersWithPartitions(DispatcherFixture dispatcher, String group) throws Exception {
        var members = new ArrayList<>(describe(dispatcher, group).members());
        return members.stream()
                .filter(m -> !m.assignment().topicPartitions().isEmpty())
                .count();
    }
}
