package io.webhookdispatcher.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.ingest.SignatureVerifier.Verdict;
import io.webhookdispatcher.testkit.CrmWebhook;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SignatureVerifierTest {
    private static final String SECRET = "a-crm-secret-of-24-bytes-or-more";
    private static final String OLD_SECRET = "the-previous-secret-of-24-bytes";
    private static final long NOW = 1_762_161_438_443L; // 2025-11-03T09:17:18.443Z
    private static final byte[] BODY = CrmWebhook.recordEvent("person.updated", "ws-1", "rec-1", 400);

    // the Standard Webhooks libraries' own vector (libraries/python/tests/test_webhooks.py, test_sign_function)
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_SECONDS = 1614265330L;
    private static final byte[] SPEC_PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void shouldAcceptWhatTheCrmSigns() {
        var verifier = twenty(SECRET);

        assertThat(verifier.verify(crm(SECRET, NOW, BODY), BODY, NOW)).isEqualTo(Verdict.VALID);
    }

    @Test
    void shouldRefuseAnotherSecretsSignature() {
        var verifier = twenty(SECRET);

        assertThat(verifier.verify(crm("another-secret-of-24-bytes-or-more", NOW, BODY), BODY, NOW))
                .isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void shouldRefuseABodyChangedByOneByte() {
        var verifier = twenty(SECRET);
        byte[] changed = BODY.clone();
        changed[changed.length - 3] ^= 1;

        assertThat(verifier.verify(crm(SECRET, NOW, BODY), changed, NOW)).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void shouldRefuseMissingOrMalformedHeaders() {
        var verifier = twenty(SECRET);
        String signature = CrmWebhook.signature(SECRET, NOW, BODY);

        assertThat(verifier.verify(headers(Map.of()), BODY, NOW)).isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(verifier.verify(headers(Map.of("X-Twenty-Webhook-Signature", signature)), BODY, NOW))
                .isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(verifier.verify(
                        headers(Map.of(
                                "X-Twenty-Webhook-Timestamp", "0" + NOW, "X-Twenty-Webhook-Signature", signature)),
                        BODY,
                        NOW))
                .as("a timestamp written otherwise than it was signed")
                .isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(verifier.verify(
                        headers(Map.of("X-Twenty-Webhook-Timestamp", "-1", "X-Twenty-Webhook-Signature", signature)),
                        BODY,
                        NOW))
                .isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void shouldAcceptEitherSecretDuringARotation() {
        var verifier = twenty(SECRET, OLD_SECRET);

        assertThat(verifier.verify(crm(SECRET, NOW, BODY), BODY, NOW)).isEqualTo(Verdict.VALID);
        assertThat(verifier.verify(crm(OLD_SECRET, NOW, BODY), BODY, NOW)).isEqualTo(Verdict.VALID);
    }

    @Test
    void shouldCallAnAuthenticRequestOlderOrNewerThanFiveMinutesStale() {
        var verifier = twenty(SECRET);
        long fiveMinutes = 5 * 60_000L;

        assertThat(verifier.verify(crm(SECRET, NOW - fiveMinutes, BODY), BODY, NOW))
                .isEqualTo(Verdict.VALID);
        assertThat(verifier.verify(crm(SECRET, NOW + fiveMinutes, BODY), BODY, NOW))
                .isEqualTo(Verdict.VALID);
        assertThat(verifier.verify(crm(SECRET, NOW - fiveMinutes - 1, BODY), BODY, NOW))
                .isEqualTo(Verdict.STALE);
        assertThat(verifier.verify(crm(SECRET, NOW + fiveMinutes + 1, BODY), BODY, NOW))
                .isEqualTo(Verdict.STALE);
    }

    @Test
    void shouldCallAForgedStaleRequestABadSignatureNotStale() {
        var verifier = twenty(SECRET);

        assertThat(verifier.verify(crm("another-secret-of-24-bytes-or-more", NOW - 3_600_000, BODY), BODY, NOW))
                .isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void shouldAcceptTheStandardWebhooksSpecVector() {
        var verifier = standard(SPEC_SECRET);
        var headers = headers(Map.of(
                "webhook-id", SPEC_ID,
                "webhook-timestamp", Long.toString(SPEC_SECONDS),
                "webhook-signature", SPEC_SIGNATURE));

        assertThat(verifier.verify(headers, SPEC_PAYLOAD, SPEC_SECONDS * 1000)).isEqualTo(Verdict.VALID);
        assertThat(verifier.verify(headers, SPEC_PAYLOAD, (SPEC_SECONDS + 301) * 1000))
                .isEqualTo(Verdict.STALE);
    }

    @Test
    void shouldAcceptAnyEntryOfTheStandardWebhooksSignatureHeader() {
        // given: the sender signs with a new secret and the spec's; the source knows only the spec's
        var verifier = standard(SPEC_SECRET);
        String fresh = "v1," + Base64.getEncoder().encodeToString(new byte[32]);
        var headers = headers(Map.of(
                "webhook-id",
                SPEC_ID,
                "webhook-timestamp",
                Long.toString(SPEC_SECONDS),
                "webhook-signature",
                fresh + " " + SPEC_SIGNATURE));

        assertThat(verifier.verify(headers, SPEC_PAYLOAD, SPEC_SECONDS * 1000)).isEqualTo(Verdict.VALID);
    }

    @Test
    void shouldRefuseAStandardWebhooksSignatureOverAnotherId() {
        var verifier = standard(SPEC_SECRET);
        var headers = headers(Map.of(
                "webhook-id",
                "msg_other",
                "webhook-timestamp",
                Long.toString(SPEC_SECONDS),
                "webhook-signature",
                SPEC_SIGNATURE));

        assertThat(verifier.verify(headers, SPEC_PAYLOAD, SPEC_SECONDS * 1000)).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void shouldRefuseTwentyHeadersWhenTheSourceUsesStandardWebhooks() {
        var verifier = standard(SPEC_SECRET);

        assertThat(verifier.verify(crm(SPEC_SECRET, NOW, BODY), BODY, NOW)).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void shouldRefuseBothSchemesAtOnce() {
        var both = new Signing(Signing.Scheme.BOTH, List.of(new Secret(SECRET)), Optional.empty());

        assertThatThrownBy(() -> new SignatureVerifier(both)).isInstanceOf(IllegalArgumentException.class);
    }

    private static SignatureVerifier twenty(String... secrets) {
        return new SignatureVerifier(new Signing(
                Signing.Scheme.TWENTY,
                List.of(secrets).stream().map(Secret::new).toList(),
                Optional.empty()));
    }

    private static SignatureVerifier standard(String secret) {
        return new SignatureVerifier(
                new Signing(Signing.Scheme.STANDARD_WEBHOOKS, List.of(new Secret(secret)), Optional.empty()));
    }

    /** The headers the CRM sends, looked up case-insensitively as Jetty does. */
    private static Function<String, String> crm(String secret, long timestamp, byte[] body) {
        return headers(Map.of(
                "x-twenty-webhook-timestamp", Long.toString(timestamp),
                "x-twenty-webhook-signature", CrmWebhook.signature(secret, timestamp, body),
                "x-twenty-webhook-nonce", "n"));
    }

    private static Function<String, String> headers(Map<String, String> values) {
        var map = new TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
        map.putAll(values);
        return map::get;
    }
}
