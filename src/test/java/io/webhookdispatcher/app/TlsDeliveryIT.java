package io.webhookdispatcher.app;

import static io.webhookdispatcher.testkit.DispatcherFixture.header;
import static io.webhookdispatcher.testkit.TlsReceiver.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.TlsReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS on a real broker to a real HTTPS receiver that requires a client certificate: delivery with the configured
 * certificate, and clean, classified failures (retried on the schedule, then dead-lettered) without one, with one the
 * receiver does not trust, or with a server certificate the configured CA did not sign. A renewed certificate in the
 * mounted files is picked up by the reload, without a config change.
 */
@ExtendWith(DispatcherExtension.class)
class TlsDeliveryIT {
    private static final String CLIENT = "O=webhook-dispatcher tests,CN=crm-sync-client";

    private final TlsReceiver receiver = new TlsReceiver("server", "ca");

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        receiver.close();
    }

    private Map<String, Object> subscription(String id, Map<String, Object> tls) {
        var entry = new LinkedHashMap<String, Object>();
        entry.put("id", id);
        entry.put("url", receiver.url("localhost", "/" + id));
        entry.put("secret", "secret-" + id + "-of-24-bytes-or-more");
        entry.put("events", List.of("*"));
        entry.put("tls", tls);
        return entry;
    }

    private static Map<String, Object> tls(String caFile, String certFile, String keyFile) {
        var tls = new LinkedHashMap<String, Object>();
        if (caFile != null) {
            tls.put("caFile", file(caFile).toString());
        }
        if (certFile != null) {
            tls.put("certFile", file(certFile).toString());
            tls.put("keyFile", file(keyFile).toString());
        }
        return tls;
    }

    @Test
    void shouldDeliverWithTheConfiguredClientCertificate(DispatcherFixture dispatcher) throws Exception {
        // given
        dispatcher
                .subscription(subscription("crm", tls("ca.pem", "client.pem", "client.key")))
                .start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));

        // then
        await().atMost(Duration.ofSeconds(15))
                .until(() -> receiver.received("/crm").size() == 1);
        TlsReceiver.Received request = receiver.received("/crm").get(0);
        assertThat(request.clientSubject()).isEqualTo(CLIENT);
        assertThat(SampleEvents.idOf(request.body())).isEqualTo("p1");
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
        assertThat(dispatcher.deadLetters()).isEmpty();
    }

    @Test
    void shouldRetryThenDeadLetterWhenTheReceiverRefusesTheClient(DispatcherFixture dispatcher) throws Exception {
        // given: one subscription without a client certificate, one with a certificate the receiver does not trust
        var app = dispatcher
                .subscription(subscription("none", tls("ca.pem", null, null)))
                .subscription(subscription("untrusted", tls("ca.pem", "untrusted-client.pem", "untrusted-client.key")))
                .start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));

        // then: both attempted on the whole schedule (3 attempts), refused each time, dead-lettered, committed
        await().atMost(Duration.ofSeconds(20))
                .until(() -> dispatcher.deadLetters().size() == 2);
        assertThat(receiver.received()).isEmpty();
        // the receiver records a refusal on its own thread, possibly after the client has moved on
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(receiver.refused()).hasSize(6));
        for (ConsumerRecord<byte[], byte[]> deadLetter : dispatcher.deadLetters()) {
            assertThat(header(deadLetter, WebhookHeaders.ATTEMPTS)).isEqualTo("3");
            assertThat(header(deadLetter, WebhookHeaders.ERROR_CLASS)).startsWith("javax.net.ssl.");
            assertThat(header(deadLetter, WebhookHeaders.LAST_STATUS)).isIn(null, "0");
            assertThat(header(deadLetter, WebhookHeaders.RESPONSE_BODY)).isNullOrEmpty();
        }
        assertThat(tlsErrors(app, "none")).isEqualTo(3);
        assertThat(tlsErrors(app, "untrusted")).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.uncommittedEvents() == 0);
    }

    @Test
    void shouldDeadLetterWhenTheServerCertificateIsNotSignedByTheConfiguredCa(DispatcherFixture dispatcher)
            throws Exception {
        // given: only the other CA trusted
        Map<String, Object> tls = tls("other-ca.pem", "client.pem", "client.key");
        tls.put("trust", "ca-only");
        dispatcher.subscription(subscription("pinned", tls)).start();

        // when
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));

        // then
        await().atMost(Duration.ofSeconds(20))
                .until(() -> dispatcher.deadLetters().size() == 1);
        ConsumerRecord<byte[], byte[]> deadLetter = dispatcher.deadLetters().get(0);
        assertThat(header(deadLetter, WebhookHeaders.ERROR_CLASS)).isEqualTo("javax.net.ssl.SSLHandshakeException");
        assertThat(header(deadLetter, WebhookHeaders.ERROR_MESSAGE)).contains("PKIX path building failed");
        assertThat(header(deadLetter, WebhookHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void shouldPresentARenewedCertificateAfterTheMountedFilesChange(DispatcherFixture dispatcher) throws Exception {
        // given: a certificate the receiver does not trust, in files of their own (a mounted Secret)
        Path cert = Files.copy(file("untrusted-client.pem"), dir.resolve("tls.crt"));
        Path key = Files.copy(file("untrusted-client.key"), dir.resolve("tls.key"));
        Map<String, Object> tls = tls("ca.pem", null, null);
        tls.put("certFile", cert.toString());
        tls.put("keyFile", key.toString());
        var app = dispatcher
                .with("reload.interval", "200ms")
                .subscription(subscription("renewed", tls))
                .startWithReload();
        dispatcher.send("p1", SampleEvents.event("person.created", "p1"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> dispatcher.deadLetters().size() == 1);

        // when: the Secret is renewed with a certificate the receiver trusts; the config file stays as it is
        replace(file("client.pem"), cert);
        replace(file("client.key"), key);
        await().atMost(Duration.ofSeconds(10)).until(() -> reloads(app) >= 1);
        dispatcher.send("p2", SampleEvents.event("person.created", "p2"));

        // then
        await().atMost(Duration.ofSeconds(15))
                .until(() -> receiver.received("/renewed").size() == 1);
        assertThat(receiver.received("/renewed").get(0).clientSubject()).isEqualTo(CLIENT);
        assertThat(SampleEvents.idOf(receiver.received("/renewed").get(0).body()))
                .isEqualTo("p2");
    }

    /** Swaps a new file in under the same name, as the kubelet's symlink swap does for a Secret volume. */
    private void replace(Path from, Path to) throws Exception {
        Path next = Files.copy(from, dir.resolve(to.getFileName() + ".next"));
        Files.move(next, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static double tlsErrors(Application app, String subscription) {
        var counter = app.registry()
                .find("webhook.delivery.attempts")
                .tag("subscription", subscription)
                .tag("result", "tls_error")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static double reloads(Application app) {
        var counter = app.registry()
                .find("webhook.config.reloads")
                .tag("result", "applied")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
