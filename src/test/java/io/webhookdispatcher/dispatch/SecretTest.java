package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretTest {

    @Test
    void shouldDecodeAWhsecSecretForStandardWebhooksButSignTwentyWithItsText() {
        byte[] key = new byte[32];
        key[0] = 7;
        String text = "whsec_" + Base64.getEncoder().encodeToString(key);

        var secret = Secret.strong(text);

        assertThat(secret.standardWebhooksKey()).isEqualTo(key);
        assertThat(secret.keyBytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldUseTheUtf8BytesOfAnyOtherSecretForBothSchemes() {
        var secret = Secret.strong("äöü-a-secret-of-24-bytes-or-more");

        assertThat(secret.standardWebhooksKey())
                .isEqualTo(secret.keyBytes())
                .isEqualTo("äöü-a-secret-of-24-bytes-or-more".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRejectLessThan24BytesOfKeyMaterialWithoutShowingTheSecret() {
        // 23 bytes of text, and a whsec_ secret whose 31 characters decode to only 23 bytes
        String shortText = "12345678901234567890123";
        String shortWhsec = "whsec_" + Base64.getEncoder().encodeToString(new byte[23]);

        assertThatThrownBy(() -> Secret.strong(shortText))
                .hasMessageStartingWith("is too short: 23 bytes of key material, at least 24 are needed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(shortText));
        assertThatThrownBy(() -> Secret.strong(shortWhsec))
                .hasMessageStartingWith("is too short: 23 bytes")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(shortWhsec.substring(6)));
        assertThat(Secret.strong("123456789012345678901234").keyBytes()).hasSize(24);
    }

    @Test
    void shouldRejectAWhsecSecretThatIsNotBase64WithoutQuotingIt() {
        assertThatThrownBy(() -> new Secret("whsec_not-base64-at-all-but-long-enough!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("must be base64 after the whsec_ prefix")
                .hasNoCause();
    }

    @Test
    void shouldNeverShowItsValue() {
        assertThat(new Secret("hunter2-hunter2-hunter2-hunter2")).hasToString("****");
        assertThat(Signing.twenty(new Secret("hunter2-hunter2-hunter2-hunter2")).toString())
                .doesNotContain("hunter2");
    }
}
