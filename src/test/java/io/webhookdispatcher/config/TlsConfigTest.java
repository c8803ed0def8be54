package io.webhookdispatcher.config;

import static io.webhookdispatcher.testkit.TlsReceiver.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tls} in the config: PEM files read and checked at load, clear errors that never show a key. */
class TlsConfigTest {
    private static final String CLIENT = "O=webhook-dispatcher tests,CN=crm-sync-client";

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader(name -> null);

    private static String subscriptionWith(String tls) {
        return """
                subscriptions:
                  - id: crm-sync
                    url: https://example.com/hooks/crm
                    secret: s3cr3t-of-24-bytes-or-more
                    events: ["*"]
                    tls: %s
                """.formatted(tls);
    }

    private Tls tlsOf(String yaml) throws ConfigException {
        return loader.parse(yaml, "dispatcher.yaml").subscriptions().get(0).tls();
    }

    private List<String> errorsOf(String yaml) {
        return Rejected.errorsOf(loader, yaml);
    }

    private static String q(String name) {
        return "'" + file(name) + "'";
    }

    @Test
    void shouldReadTheCaBundleAndTheClientCertificate() throws Exception {
        Tls tls = tlsOf(subscriptionWith("{caFile: %s, certFile: %s, keyFile: %s}"
                .formatted(q("ca.pem"), q("client-chain.pem"), q("client.key"))));

        assertThat(tls.ca()).hasValueSatisfying(ca -> {
            assertThat(ca.trust()).isEqualTo(Tls.Trust.SYSTEM_AND_CA);
            assertThat(ca.certificates()).hasSize(1);
        });
        assertThat(tls.client()).hasValueSatisfying(client -> {
            assertThat(client.subject()).isEqualTo(CLIENT);
            assertThat(client.chain()).hasSize(2); // leaf and CA, in file order
            assertThat(client.key().getAlgorithm()).isEqualTo("EC");
        });
        assertThat(tls.files()).containsExactly(file("ca.pem"), file("client-chain.pem"), file("client.key"));
    }

    @Test
    void shouldReadAnRsaKeyAndTrustOnlyTheCaWhenAsked() throws Exception {
        Tls tls = tlsOf(subscriptionWith("{caFile: %s, trust: ca-only, certFile: %s, keyFile: %s}"
                .formatted(q("ca.pem"), q("server.pem"), q("server.key"))));

        assertThat(tls.ca()).hasValueSatisfying(ca -> assertThat(ca.trust()).isEqualTo(Tls.Trust.CA_ONLY));
        assertThat(tls.client())
                .hasValueSatisfying(c -> assertThat(c.key().getAlgorithm()).isEqualTo("RSA"));
    }

    @Test
    void shouldUseTheJvmTrustAndNoClientCertificateWithoutTls() throws Exception {
        Tls tls = tlsOf(subscriptionWith("{}"));

        assertThat(tls).isEqualTo(Tls.DEFAULT);
        assertThat(tls.isDefault()).isTrue();
    }

    @Test
    void shouldTakeEachHalfOfTheDeliveryDefaultThatASubscriptionDoesNotSet() throws Exception {
        String yaml = """
                delivery:
                  tls: {caFile: %s, certFile: %s, keyFile: %s}
                subscriptions:
                  - {id: inherits, url: "https://a.example/", secret: a-secret-of-24-bytes-or-more, events: ["*"]}
                  - id: own-client
                    url: https://b.example/
                    secret: a-secret-of-24-bytes-or-more
                    events: ["*"]
                    tls: {certFile: %s, keyFile: %s}
                  - id: own-ca
                    url: https://c.example/
                    secret: a-secret-of-24-bytes-or-more
                    events: ["*"]
                    tls: {caFile: %s, trust: ca-only}
                """.formatted(
                        q("ca.pem"),
                        q("client.pem"),
                        q("client.key"),
                        q("untrusted-client.pem"),
                        q("untrusted-client.key"),
                        q("other-ca.pem"));

        List<Subscription> subscriptions = loader.parse(yaml, "dispatcher.yaml").subscriptions();

        Tls inherits = subscriptions.get(0).tls();
        Tls ownClient = subscriptions.get(1).tls();
        Tls ownCa = subscriptions.get(2).tls();
        assertThat(ownClient.ca()).isEqualTo(inherits.ca());
        assertThat(ownClient.client().orElseThrow().subject()).isEqualTo("CN=untrusted-client");
        assertThat(ownCa.client()).isEqualTo(inherits.client());
        assertThat(ownCa.ca().orElseThrow().file()).isEqualTo(file("other-ca.pem"));
        assertThat(ownCa.ca().orElseThrow().trust()).isEqualTo(Tls.Trust.CA_ONLY);
    }

    @Test
    void shouldRejectFilesThatAreMissingOrHoldTheWrongThing() {
        List<String> errors = errorsOf(subscriptionWith("{caFile: %s, certFile: %s, keyFile: %s}"
                .formatted("'" + dir.resolve("absent.pem") + "'", q("client.key"), q("client.pem"))));

        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "dispatcher.yaml: subscriptions[crm-sync].tls.caFile: '" + dir.resolve("absent.pem")
                                + "' does not exist",
                        "dispatcher.yaml: subscriptions[crm-sync].tls.certFile: '" + file("client.key")
                                + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    @Test
    void shouldRejectAKeyThatIsNotTheCertificatesOwn() {
        List<String> otherEcKey = errorsOf(
                subscriptionWith("{certFile: %s, keyFile: %s}".formatted(q("client.pem"), q("untrusted-client.key"))));
        List<String> rsaKey =
                errorsOf(subscriptionWith("{certFile: %s, keyFile: %s}".formatted(q("client.pem"), q("server.key"))));

        assertThat(otherEcKey)
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: subscriptions[crm-sync].tls.keyFile: '" + file("untrusted-client.key"))
                .endsWith("does not match the certificate " + CLIENT + " (not its private key)");
        assertThat(rsaKey).singleElement().asString().endsWith("is a RSA key but the certificate's key is EC");
    }

    @Test
    void shouldExplainHowToConvertAPkcs1Key() {
        List<String> errors = errorsOf(
                subscriptionWith("{certFile: %s, keyFile: %s}".formatted(q("server.pem"), q("server-pkcs1.key"))));

        assertThat(errors)
                .singleElement()
                .asString()
                .contains("holds a RSA PRIVATE KEY (PKCS#1/SEC1)")
                .contains("openssl pkcs8 -topk8 -nocrypt")
                .contains("privateKey.encoding: PKCS8");
    }

    @Test
    void shouldNeverShowKeyMaterialInAnError() throws Exception {
        // given: the key file named as the CA bundle, and a damaged key
        String key = Files.readString(file("client.key"));
        Path damaged = Files.writeString(dir.resolve("damaged.key"), key.replace("M", "A"));
        List<String> errors = errorsOf(subscriptionWith(
                "{caFile: %s, certFile: %s, keyFile: '%s'}".formatted(q("client.key"), q("client.pem"), damaged)));

        assertThat(errors).hasSize(2).anySatisfy(e -> assertThat(e).endsWith("neither RSA nor EC, or is damaged"));
        for (String line : key.lines().filter(l -> !l.startsWith("-----")).toList()) {
            assertThat(String.join("\n", errors)).doesNotContain(line.substring(0, 16));
        }
    }

    @Test
    void shouldRequireTheCertificateAndKeyTogetherAndAKnownTrust() {
        List<String> errors = errorsOf("""
                delivery:
                  tls: {trust: system}
                subscriptions:
                  - id: crm-sync
                    url: https://example.com/
                    secret: a-secret-of-24-bytes-or-more
                    events: ["*"]
                    tls: {certFile: %s, verifyHostname: false}
                """.formatted(q("client.pem")));

        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "dispatcher.yaml: delivery.tls.trust: must be system+ca or ca-only (got 'system')",
                        "dispatcher.yaml: delivery.tls.caFile: is required with trust: a PEM file of the CAs to trust",
                        "dispatcher.yaml: subscriptions[crm-sync].tls.keyFile: is required: certFile and keyFile go"
                                + " together",
                        "dispatcher.yaml: subscriptions[crm-sync].tls.verifyHostname: unknown key");
    }

    @Test
    void shouldBeEqualForTheSameBytesAndDifferAfterARenewal() throws Exception {
        // given: a certificate and key in a directory of their own, as a mounted Secret
        Path cert = Files.copy(file("client.pem"), dir.resolve("tls.crt"));
        Path key = Files.copy(file("client.key"), dir.resolve("tls.key"));
        String yaml = subscriptionWith("{certFile: '%s', keyFile: '%s'}".formatted(cert, key));
        Tls before = tlsOf(yaml);

        // when: the same files are read again, then renewed with another certificate
        Tls again = tlsOf(yaml);
        Files.copy(file("untrusted-client.pem"), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(file("untrusted-client.key"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Tls renewed = tlsOf(yaml);

        // then
        assertThat(again).isEqualTo(before).hasSameHashCodeAs(before);
        assertThat(renewed).isNotEqualTo(before);
        assertThat(renewed.files()).isEqualTo(before.files());
    }

    @Test
    void shouldShowFilesAndSubjectButNeverTheKeyInToString() throws Exception {
        Subscription subscription = loader.parse(
                        subscriptionWith("{caFile: %s, certFile: %s, keyFile: %s}"
                                .formatted(q("ca.pem"), q("client.pem"), q("client.key"))),
                        "dispatcher.yaml")
                .subscriptions()
                .get(0);
        String key = Files.readString(file("client.key"));
        String encoded = java.util.HexFormat.of()
                .formatHex(subscription.tls().client().orElseThrow().key().getEncoded());

        assertThat(subscription.toString())
                .contains("certFile=" + file("client.pem"), CLIENT, "keyFile=" + file("client.key"), "trust system+ca")
                .doesNotContain(key.lines().skip(1).findFirst().orElseThrow())
                .doesNotContain(encoded.substring(0, 32));
    }

    @Test
    void shouldReadABundleWithCommentsBetweenCertificates() {
        byte[] bundle = ("# the test CA\n" + read("ca.pem") + "\n# another one\n" + read("other-ca.pem"))
                .getBytes(StandardCharsets.US_ASCII);

        assertThat(Pem.certificates(bundle))
                .extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=webhook-dispatcher test CA", "CN=webhook-dispatcher untrusted test CA");
    }

    @Test
    void shouldRejectEncryptedKeysAndDamagedCertificates() {
        byte[] encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] damaged = read("ca.pem").replace("MII", "AAA").getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Pem.privateKey(encrypted)).hasMessageContaining("holds an encrypted key");
        assertThatThrownBy(() -> Pem.certificates(damaged)).hasMessage("holds an invalid X.509 certificate (number 1)");
    }

    private static String read(String name) {
        try {
            return Files.readString(file(name));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
