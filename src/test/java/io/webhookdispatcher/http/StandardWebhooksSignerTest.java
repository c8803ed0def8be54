package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class StandardWebhooksSignerTest {
    // the Standard Webhooks libraries' own vector (libraries/python/tests/test_webhooks.py, test_sign_function)
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final String PAYLOAD_TEXT = "{\"test\": 2432232314}";
    private static final byte[] SPEC_PAYLOAD = PAYLOAD_TEXT.getBytes(StandardCharsets.UTF_8);
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void shouldMatchTheSpecLibrariesTestVector() {
        var signer = new StandardWebhooksSigner(List.of(new Secret(SPEC_SECRET)));

        assertThat(signer.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)).isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void shouldSignOnceWithEverySecretCurrentFirstDuringARotation() {
        // given: a new secret, then the old one (the vector's)
        var fresh = new Secret("whsec_" + Base64.getEncoder().encodeToString(new byte[32]));
        var signer = new StandardWebhooksSigner(List.of(fresh, new Secret(SPEC_SECRET)));

        // when
        String header = signer.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD);

        // then: two space-separated v1 entries, the old one exactly the vector's
        String[] entries = header.split(" ");
        assertThat(entries).hasSize(2);
        assertThat(entries[0])
                .isEqualTo("v1," + hmac(new byte[32], SPEC_ID + "." + SPEC_TIMESTAMP + "." + PAYLOAD_TEXT));
        assertThat(entries[1]).isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void shouldKeyASecretWithoutThePrefixWithItsUtf8Bytes() {
        String raw = "a-raw-secret-of-24-bytes-or-more";
        var signer = new StandardWebhooksSigner(List.of(new Secret(raw)));

        assertThat(signer.sign("d1", 1L, SPEC_PAYLOAD))
                .isEqualTo("v1," + hmac(raw.getBytes(StandardCharsets.UTF_8), "d1.1." + PAYLOAD_TEXT));
    }

    @Test
    void shouldChangeWithTheIdTheTimestampAndTheBody() {
        var signer = new StandardWebhooksSigner(List.of(new Secret(SPEC_SECRET)));

        assertThat(signer.sign("msg_other", SPEC_TIMESTAMP, SPEC_PAYLOAD)).isNotEqualTo(SPEC_SIGNATURE);
        assertThat(signer.sign(SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_PAYLOAD)).isNotEqualTo(SPEC_SIGNATURE);
        assertThat(signer.sign(SPEC_ID, SPEC_TIMESTAMP, "{\"test\":2432232314}".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(SPEC_SIGNATURE);
    }

    /** Written independently of the signer: base64 HMAC-SHA256 of the whole message. */
    private static String hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
