package io.webhookdispatcher.http;

import static io.webhookdispatcher.testkit.TlsReceiver.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.testkit.TlsReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TLS of the sender against a real HTTPS receiver that requires a client certificate: which certificate is
 * presented, which server certificates are trusted, hostname verification, and what a failed handshake comes to.
 */
class JdkWebhookSenderTlsTest {
    private static final byte[] JSON = "{\"event\":\"person.created\"}".getBytes(StandardCharsets.UTF_8);
    private static final String CLIENT = "O=webhook-dispatcher tests,CN=crm-sync-client";
    private static final String TRUSTED_CA = "caFile: '" + file("ca.pem") + "'";
    private static final String CLIENT_CERT =
            "certFile: '" + file("client.pem") + "', keyFile: '" + file("client.key") + "'";
    private static final String UNTRUSTED_CLIENT_CERT =
            "certFile: '" + file("untrusted-client.pem") + "', keyFile: '" + file("untrusted-client.key") + "'";

    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final JdkWebhookSender sender = new JdkWebhookSender(
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Clock.systemUTC(),
            "webhook-dispatcher/test",
            new ResponseClassifier(Set.of(400)),
            JdkWebhookSenderTest.LOOPBACK_ALLOWED);

    @AfterEach
    void close() throws Exception {
        sender.close();
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    private TlsReceiver receiver(String serverCert, String... trustedCas) {
        var receiver = new TlsReceiver(serverCert, trustedCas);
        closeAfter.add(receiver);
        return receiver;
    }

    private DeliveryOutcome send(String url, String tls) throws Exception {
        return sender.endpoint(subscription("s", url, tls)).send("d", JSON).get(10, TimeUnit.SECONDS);
    }

    private static Subscription subscription(String id, String url, String tls) throws ConfigException {
        String yaml = "delivery: {allowedNetworks: [127.0.0.0/8]}\nsubscriptions:\n  - {id: " + id + ", url: '" + url
                + "', secret: a-secret-of-24-bytes-or-more, events: ['*']" + (tls == null ? "" : ", tls: {" + tls + "}")
                + "}\n";
        return new ConfigLoader(name -> null)
                .parse(yaml, "test.yaml")
                .subscriptions()
                .get(0);
    }

    @Test
    void shouldPresentTheConfiguredClientCertificate() throws Exception {
        var receiver = receiver("server", "ca");

        DeliveryOutcome outcome = send(receiver.url("localhost", "/hook"), TRUSTED_CA + ", " + CLIENT_CERT);

        assertThat(outcome).isInstanceOf(DeliveryOutcome.Delivered.class);
        assertThat(receiver.received("/hook")).singleElement().satisfies(r -> {
            assertThat(r.clientSubject()).isEqualTo(CLIENT);
            assertThat(r.body()).isEqualTo(JSON);
        });
    }

    @Test
    void shouldAcceptAServerCertificateForTheIpAddressItNames() throws Exception {
        var receiver = receiver("server", "ca");

        DeliveryOutcome outcome = send(receiver.url("127.0.0.1", "/hook"), TRUSTED_CA + ", " + CLIENT_CERT);

        assertThat(outcome).isInstanceOf(DeliveryOutcome.Delivered.class);
    }

    @Test
    void shouldFailCleanlyWithoutAClientCertificate() throws Exception {
        var receiver = receiver("server", "ca");

        DeliveryOutcome outcome = send(receiver.url("localhost", "/hook"), TRUSTED_CA);

        assertRefusedHandshake(outcome);
        assertThat(receiver.received()).isEmpty();
        assertRefusedByTheReceiver(receiver, "certificate");
    }

    @Test
    void shouldFailCleanlyWithAClientCertificateTheReceiverDoesNotTrust() throws Exception {
        var receiver = receiver("server", "ca");

        DeliveryOutcome outcome = send(receiver.url("localhost", "/hook"), TRUSTED_CA + ", " + UNTRUSTED_CLIENT_CERT);

        assertRefusedHandshake(outcome);
        assertThat(receiver.received()).isEmpty();
        assertRefusedByTheReceiver(receiver, "PKIX path");
    }

    @Test
    void shouldRefuseAServerCertificateNotSignedByTheConfiguredCa() throws Exception {
        var receiver = receiver("server", "ca");
        String otherCa = "caFile: '" + file("other-ca.pem") + "'";

        DeliveryOutcome system = send(receiver.url("localhost", "/a"), otherCa + ", " + CLIENT_CERT);
        DeliveryOutcome only = send(receiver.url("localhost", "/b"), otherCa + ", trust: ca-only, " + CLIENT_CERT);
        DeliveryOutcome none = send(receiver.url("localhost", "/c"), CLIENT_CERT); // the JVM's trust store alone

        for (DeliveryOutcome outcome : List.of(system, only, none)) {
            assertTlsFailure(outcome, "javax.net.ssl.SSLHandshakeException");
            assertThat(((DeliveryOutcome.Retryable) outcome).failure().errorMessage())
                    .contains("PKIX path building failed");
        }
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void shouldVerifyTheHostNameEvenWithATrustedCertificate() throws Exception {
        // given: a certificate signed by the trusted CA, but for wrong-host.invalid only
        var receiver = receiver("wrong-host", "ca");

        DeliveryOutcome outcome = send(receiver.url("localhost", "/hook"), TRUSTED_CA + ", " + CLIENT_CERT);

        assertTlsFailure(outcome, "javax.net.ssl.SSLHandshakeException");
        assertThat(((DeliveryOutcome.Retryable) outcome).failure().errorMessage())
                .containsIgnoringCase("localhost");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void shouldNotShareConnectionsBetweenTwoClientCertificatesOnOneHost() throws Exception {
        // given: a receiver that accepts both client certificates, and two subscriptions on it, one with each
        var receiver = receiver("server", "ca", "other-ca");
        var first = sender.endpoint(
                subscription("first", receiver.url("localhost", "/first"), TRUSTED_CA + ", " + CLIENT_CERT));
        var second = sender.endpoint(subscription(
                "second", receiver.url("localhost", "/second"), TRUSTED_CA + ", " + UNTRUSTED_CLIENT_CERT));

        // when: they send in turn, so that a shared pool would hand one's idle connection to the other
        for (int i = 0; i < 3; i++) {
            assertThat(first.send("f" + i, JSON).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(DeliveryOutcome.Delivered.class);
            assertThat(second.send("s" + i, JSON).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(DeliveryOutcome.Delivered.class);
        }

        // then
        assertThat(receiver.received("/first"))
                .hasSize(3)
                .allMatch(r -> r.clientSubject().equals(CLIENT));
        assertThat(receiver.received("/second"))
                .hasSize(3)
                .allMatch(r -> r.clientSubject().equals("CN=untrusted-client"));
    }

    @Test
    void shouldRefuseToStartWithHostnameVerificationDisabledForTheJvm() {
        assertThatThrownBy(() -> SslContexts.requireHostnameVerification(""))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(SslContexts.DISABLE_HOSTNAME_VERIFICATION);
        assertThatThrownBy(() -> SslContexts.requireHostnameVerification("true"))
                .isInstanceOf(IllegalStateException.class);
        SslContexts.requireHostnameVerification(null);
        SslContexts.requireHostnameVerification("false");
    }

    @Test
    void shouldOfferOnlyTls12AndLater() {
        assertThat(SslContexts.parameters().getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    /** The receiver records its side of the handshake on its own thread, possibly after the client's outcome. */
    private static void assertRefusedByTheReceiver(TlsReceiver receiver, String why) {
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(receiver.refused())
                        .singleElement()
                        .asString()
                        .contains(why));
    }

    /** The receiver's refusal of the client: a retryable TLS failure, whichever way the JDK reports it. */
    private static void assertRefusedHandshake(DeliveryOutcome outcome) {
        assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.failure().result()).isEqualTo(AttemptResult.TLS_ERROR);
            assertThat(r.failure().errorClass()).startsWith("javax.net.ssl.");
            assertThat(r.failure().status()).isZero();
            assertThat(r.failure().responseBody()).isEmpty();
        });
    }

    private static void assertTlsFailure(DeliveryOutcome outcome, String errorClass) {
        assertRefusedHandshake(outcome);
        assertThat(((DeliveryOutcome.Retryable) outcome).failure().errorClass()).isEqualTo(errorClass);
    }
}
