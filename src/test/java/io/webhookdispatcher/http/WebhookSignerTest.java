package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.Secret;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    private static final String BODY =
            "{\"event\":\"person.created\",\"data\":{\"id\":\"abc12345\",\"firstName\":\"Alice\"},\"timestamp\":\"2025-02-10T15:30:50Z\"}";

    @Test
    void shouldMatchTheSignaturePinnedWithNodeCrypto() {
        // given: the value Node's crypto.createHmac("sha256", secret).update(`${ts}:${body}`).digest("hex") printed
        var signer = new WebhookSigner(new Secret("your-secret"));

        // when
        String signature = signer.sign(1735066639761L, BODY.getBytes(StandardCharsets.UTF_8));

        // then
        assertThat(signature).isEqualTo("2d5ada1270afcefeda209d21ef0012d51c908630fadc42a33ab994000c71a06d");
    }

    @Test
    void shouldChangeWithTheTimestampTheBodyAndTheSecret() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        String base = new WebhookSigner(new Secret("your-secret")).sign(1L, body);

        assertThat(new WebhookSigner(new Secret("your-secret")).sign(2L, body)).isNotEqualTo(base);
        assertThat(new WebhookSigner(new Secret("other-secret")).sign(1L, body)).isNotEqualTo(base);
        assertThat(new WebhookSigner(new Secret("your-secret")).sign(1L, (BODY + " ").getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(base);
    }

    @Test
    void shouldBeLowercaseHexOf32Bytes() {
        String signature = new WebhookSigner(new Secret("s")).sign(0L, new byte[0]);

        assertThat(signature).matches("[0-9a-f]{64}");
    }
}
