package io.webhookdispatcher.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.testkit.CrmWebhook;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.EmbeddedKafkaBroker;
import io.webhookdispatcher.testkit.TwentyCorpus;
import io.webhookdispatcher.testkit.TwentyCorpus.Example;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The CRM's webhooks in through the ingest port, out as signed deliveries: CRM webhook → POST /ingest/crm → events
 * topic → fan-out → signed POST to a subscriber. On a broker of its own, because the last test stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestIT {
    private static final String SECRET = "the-crms-webhook-secret-of-24-bytes-or-more";
    private static final String WORKSPACE = "3b8e6a4c-1f2d-4e5a-9b7c-0d1e2f3a4b5c";
    private static final String[] LIFE = {"person.created", "person.updated", "person.updated", "person.deleted"};

    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedKafkaBroker broker;
    private DispatcherFixture dispatcher;
    private URI ingest;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        broker = EmbeddedKafkaBroker.start();
        dispatcher = new DispatcherFixture(broker, "IngestIT")
                .with("ingest", Map.of("port", 0, "address", "127.0.0.1"))
                .with("ingest.sources", List.of(Map.of("id", "crm", "secret", SECRET)))
                .subscription("all", "/hooks/all", "[\"*\"]");
        dispatcher.createEventsTopic(); // leaders elected before the first idempotent write
        Application app = dispatcher.start();
        ingest = URI.create("http://127.0.0.1:" + app.ingestPort() + "/ingest/crm");
    }

    @AfterAll
    void stop() throws Exception {
        dispatcher.close();
        broker.close();
    }

    @Test
    @Order(1)
    void shouldPutAThousandSignedWebhooksOnTheTopicByteForByteAndDeliverThemSigned() throws Exception {
        // given: 250 records, each created, updated twice and deleted, in that order; records in parallel
        Map<String, List<byte[]>> sent = new ConcurrentHashMap<>();
        ExecutorService crm = Executors.newFixedThreadPool(16);
        var posts = new ArrayList<Future<List<Integer>>>();
        for (int r = 0; r < 250; r++) {
            String record = UUID.randomUUID().toString();
            posts.add(crm.submit(() -> {
                var statuses = new ArrayList<Integer>();
                for (String type : LIFE) {
                    byte[] body = CrmWebhook.recordEvent(type, WORKSPACE, record, 600);
                    sent.computeIfAbsent(record, k -> new ArrayList<>()).add(body);
                    statuses.add(CrmWebhook.post(client, ingest, SECRET, body));
                }
                return statuses;
            }));
        }

        // when
        var statuses = new ArrayList<Integer>();
        for (var post : posts) {
            statuses.addAll(post.get());
        }
        crm.shutdown();

        // then: every one acknowledged, and on the topic exactly as sent, keyed by record, in each record's order
        assertThat(statuses).hasSize(1000).containsOnly(200);
        Map<String, List<byte[]>> onTopic = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : dispatcher.kafka().readAll(dispatcher.eventsTopic())) {
            onTopic.computeIfAbsent(new String(record.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(record.value());
        }
        assertThat(onTopic.keySet()).isEqualTo(sent.keySet());
        sent.forEach((record, bodies) -> assertThat(onTopic.get(record))
                .as(record)
                .usingElementComparator(Arrays::compare)
                .containsExactlyElementsOf(bodies));

        // and: the subscriber gets each of them, signed
        await().atMost(Duration.ofSeconds(30))
                .until(() -> dispatcher.receiver().received("/hooks/all").size() >= 1000);
        List<Received> received = dispatcher.receiver().received("/hooks/all");
        assertThat(received).allMatch(Received::signatureValid);
        assertThat(texts(received))
                .isEqualTo(texts(sent.values().stream().flatMap(List::stream).toList()));
    }

    @Test
    @Order(2)
    void shouldTakeEveryRealCrmBodyByteForByteKeyedByItsRecordOrElseItsWorkspace() throws Exception {
        // given: the CRM's own bodies (src/test/resources/twenty): record and metadata events, a 491 KiB note
        int before = dispatcher.kafka().readAll(dispatcher.eventsTopic()).size();
        Map<String, byte[]> expectedKeys = new HashMap<>();

        // when: each is posted as the CRM posts it
        for (Example example : TwentyCorpus.all()) {
            assertThat(CrmWebhook.post(client, ingest, SECRET, example.body()))
                    .as(example.name())
                    .isEqualTo(200);
            JsonNode event = JSON.readTree(example.body());
            String key = event.at("/record/id").isTextual()
                    ? event.at("/record/id").asText()
                    : event.at("/workspaceId").asText();
            expectedKeys.put(new String(example.body(), StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
        }

        // then: each is on the topic as sent, with the record's id as its key (the workspace's for metadata events)
        var written = dispatcher.kafka().readAll(dispatcher.eventsTopic());
        Map<String, byte[]> keys = new HashMap<>();
        written.forEach(r -> keys.put(new String(r.value(), StandardCharsets.UTF_8), r.key()));
        assertThat(written).hasSize(before + TwentyCorpus.all().size());
        expectedKeys.forEach((body, key) ->
                assertThat(keys.get(body)).as(body.substring(0, 80)).isEqualTo(key));
    }

    @Test
    @Order(3)
    void shouldRefuseABadSignatureAStaleTimestampAndAnOversizedBodyAndWriteNothing() throws Exception {
        int before = dispatcher.kafka().readAll(dispatcher.eventsTopic()).size();
        byte[] body = CrmWebhook.recordEvent("company.created", WORKSPACE, "c-1", 600);
        long sixMinutesAgo = System.currentTimeMillis() - Duration.ofMinutes(6).toMillis();
        var ofString = java.net.http.HttpResponse.BodyHandlers.ofString();

        int wrongSecret = CrmWebhook.post(client, ingest, "a-wrong-secret-of-24-bytes-or-more", body);
        int stale = client.send(CrmWebhook.request(ingest, SECRET, sixMinutesAgo, body), ofString)
                .statusCode();
        int oversized = CrmWebhook.post( // delivery.maxEventBytes: 1 MiB
                client, ingest, SECRET, CrmWebhook.recordEvent("company.created", WORKSPACE, "c-2", (1 << 20) + 1));
        int unknown = CrmWebhook.post(client, ingest.resolve("/ingest/nobody"), SECRET, body);

        assertThat(List.of(wrongSecret, stale, oversized, unknown)).containsExactly(401, 401, 413, 404);
        assertThat(dispatcher.kafka().readAll(dispatcher.eventsTopic())).hasSize(before);
    }

    @Test
    @Order(4)
    void shouldAnswer503WhileTheBrokerIsDownAndLoseNothingItAcknowledged() throws Exception {
        // given: the CRM posts one webhook at a time
        var outcomes = new Outcomes();
        for (int i = 0; i < 20; i++) {
            outcomes.post();
        }
        assertThat(outcomes.refused).isEmpty();

        // when: the broker goes away
        broker.stop();
        int acceptedBefore = outcomes.accepted.size();
        while (outcomes.refused.size() < 3 && outcomes.posted < 60) {
            outcomes.post();
        }

        // then: every request is refused with 503, each within the CRM's 5 s
        assertThat(outcomes.accepted).hasSize(acceptedBefore);
        assertThat(outcomes.refused).hasSize(3).allMatch(millis -> millis < 5_000);

        // when: it comes back, the webhooks are accepted again
        broker.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            outcomes.post();
            return outcomes.accepted.size() >= acceptedBefore + 5;
        });

        // then: every webhook answered 200 is on the topic
        Set<String> keys = new HashSet<>();
        for (var record : dispatcher.kafka().readAll(dispatcher.eventsTopic())) {
            keys.add(new String(record.key(), StandardCharsets.UTF_8));
        }
        assertThat(keys).containsAll(outcomes.accepted);
    }

    /** What the CRM saw: the records answered 200, and how long each 503 took. */
    private final class Outcomes {
        final List<String> accepted = new ArrayList<>();
        final List<Long> refused = new ArrayList<>();
        int posted;

        void post() throws Exception {
            String record = "outage-" + posted++;
            long start = System.nanoTime();
            int status = CrmWebhook.post(
                    client, ingest, SECRET, CrmWebhook.recordEvent("person.created", WORKSPACE, record, 600));
            if (status == 200) {
                accepted.add(record);
            } else {
                assertThat(status).as(record).isEqualTo(503);
                refused.add((System.nanoTime() - start) / 1_000_000);
            }
        }
    }

    private static List<String> texts(List<?> items) {
        return items.stream()
                .map(i -> i instanceof Received r ? r.bodyText() : new String((byte[]) i, StandardCharsets.UTF_8))
                .sorted()
                .toList();
    }
}
