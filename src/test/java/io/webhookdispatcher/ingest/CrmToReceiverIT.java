package io.webhookdispatcher.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.testkit.CrmWebhook;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.NodeWebhookReceiver;
import io.webhookdispatcher.testkit.NodeWebhookReceiver.Check;
import io.webhookdispatcher.testkit.NodeWebhookReceiver.Result;
import io.webhookdispatcher.testkit.TwentyCorpus;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole way, as a CRM user connects it: the CRM's own webhooks (its real bodies, signed as it signs them) into
 * the ingest port, onto the events topic, out to a subscriber whose receiver checks each request with the Twenty
 * verification code of docs/delivery-contract.md, run by Node.js.
 */
@ExtendWith(DispatcherExtension.class)
class CrmToReceiverIT {
    private static final String SOURCE_SECRET = "the-crm-webhook-secret-of-24-bytes";
    private static final String SUBSCRIBER_SECRET = "the-subscriber-secret-of-24-bytes";

    @Test
    void shouldDeliverTheCrmsOwnWebhooksThroughIngestSoThatTheDocumentedVerifierAcceptsEach(DispatcherFixture f)
            throws Exception {
        try (var node = new NodeWebhookReceiver(Map.of("/crm", new Check(null, false, SUBSCRIBER_SECRET)))) {
            // given: a source for the CRM, and a subscriber for every event the CRM would send to *.*
            f.with("ingest", Map.of("port", 0, "address", "127.0.0.1"))
                    .with("ingest.sources", List.of(Map.of("id", "crm", "secret", SOURCE_SECRET)))
                    .subscription(Map.of(
                            "id",
                            "crm",
                            "url",
                            node.url("/crm"),
                            "secret",
                            SUBSCRIBER_SECRET,
                            "events",
                            List.of("*.*")))
                    .createEventsTopic();
            Application app = f.start();
            URI ingest = URI.create("http://127.0.0.1:" + app.ingestPort() + "/ingest/crm");
            var bodies = TwentyCorpus.all().stream()
                    .filter(e -> !e.eventName().equals("workflowRun.updated")) // the CRM sends it only by name
                    .map(e -> new String(e.body(), StandardCharsets.UTF_8))
                    .toList();

            // when: the CRM posts each
            var client = HttpClient.newHttpClient();
            for (String body : bodies) {
                assertThat(CrmWebhook.post(client, ingest, SOURCE_SECRET, body.getBytes(StandardCharsets.UTF_8)))
                        .isEqualTo(200);
            }

            // then: each arrives once, byte for byte, and the documented verifier accepts its signature
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> node.results("/crm").size() >= bodies.size());
            List<Result> results = node.results("/crm");
            assertThat(results).extracting(Result::body).containsExactlyInAnyOrderElementsOf(bodies);
            assertThat(results).allSatisfy(r -> assertThat(r.twenty()).isTrue());
        }
    }
}
