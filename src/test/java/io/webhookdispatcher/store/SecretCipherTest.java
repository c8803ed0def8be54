package io.webhookdispatcher.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
    static final String K1 = "k1=" + key(1);
    static final String K2 = "k2=" + key(2);
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);

    private final AtomicReference<EncryptionKeys> keys = new AtomicReference<>(EncryptionKeys.parse(K1, "keys"));
    private final SecretCipher cipher = new SecretCipher(keys::get, new SecureRandom());

    /** 32 bytes of {@code seed}, base64: a key a test can name. */
    static String key(int seed) {
        byte[] bytes = new byte[32];
        java.util.Arrays.fill(bytes, (byte) seed);
        return Base64.getEncoder().encodeToString(bytes);
    }

    @Test
    void shouldDecryptWhatItEncryptedForTheSameSubscription() throws Exception {
        String sealed = cipher.encrypt(SECRET, "crm");

        assertThat(sealed).startsWith("enc:v1:k1:").doesNotContain(SECRET).doesNotContain(SECRET.substring(6));
        assertThat(cipher.decrypt(sealed, "crm")).isEqualTo(SECRET);
    }

    @Test
    void shouldUseAFreshNonceForEachEncryption() throws Exception {
        assertThat(cipher.encrypt(SECRET, "crm")).isNotEqualTo(cipher.encrypt(SECRET, "crm"));
    }

    @Test
    void shouldRefuseACiphertextCopiedToAnotherSubscription() throws Exception {
        String sealed = cipher.encrypt(SECRET, "crm");

        assertThatThrownBy(() -> cipher.decrypt(sealed, "other"))
                .isInstanceOfSatisfying(
                        SecretCipher.CipherException.class,
                        e -> assertThat(e.failure()).isEqualTo(SecretCipher.Failure.INVALID))
                .hasMessage("does not decrypt with key k1 (altered, or another subscription's)");
    }

    @Test
    void shouldRefuseAnAlteredCiphertext() throws Exception {
        String sealed = cipher.encrypt(SECRET, "crm");
        char last = sealed.charAt(sealed.length() - 3);
        String altered = sealed.substring(0, sealed.length() - 3)
                + (last == 'A' ? 'B' : 'A')
                + sealed.substring(sealed.length() - 2);

        assertThatThrownBy(() -> cipher.decrypt(altered, "crm")).isInstanceOf(SecretCipher.CipherException.class);
    }

    @Test
    void shouldSayTheKeyIsMissingWithoutShowingTheCiphertext() throws Exception {
        String sealed = cipher.encrypt(SECRET, "crm");
        keys.set(EncryptionKeys.parse(K2, "keys"));

        assertThatThrownBy(() -> cipher.decrypt(sealed, "crm"))
                .isInstanceOfSatisfying(
                        SecretCipher.CipherException.class,
                        e -> assertThat(e.failure()).isEqualTo(SecretCipher.Failure.MISSING_KEY))
                .hasMessage("is encrypted with key k1, which admin.encryptionKeyFile does not hold");
    }

    @Test
    void shouldEncryptWithTheFirstKeyAndDecryptWithAnyDuringAKeyRotation() throws Exception {
        // given: a secret sealed under k1
        String old = cipher.encrypt(SECRET, "crm");

        // when: k2 is added in front of k1
        keys.set(EncryptionKeys.parse(K2 + "\n" + K1 + "\n", "keys"));

        // then: new secrets are sealed with k2, and the old one still opens
        assertThat(cipher.encrypt(SECRET, "crm")).startsWith("enc:v1:k2:");
        assertThat(cipher.decrypt(old, "crm")).isEqualTo(SECRET);
    }

    @Test
    void shouldRefusePlainTextWhereACiphertextBelongs() {
        assertThatThrownBy(() -> cipher.decrypt(SECRET, "crm"))
                .isInstanceOf(SecretCipher.CipherException.class)
                .hasMessage("is not encrypted (enc:v1:<keyId>:…)");
    }

    @Test
    void shouldNotEncryptWithoutAKey() {
        var none = new SecretCipher(() -> EncryptionKeys.NONE, new SecureRandom());

        assertThatThrownBy(() -> none.encrypt(SECRET, "crm"))
                .isInstanceOfSatisfying(
                        SecretCipher.CipherException.class,
                        e -> assertThat(e.failure()).isEqualTo(SecretCipher.Failure.MISSING_KEY));
    }

    @Test
    void shouldNameTheBadLineOfAKeyFileWithoutItsKey() {
        String shortKey = Base64.getEncoder().encodeToString("sixteen-byte-key".getBytes());

        assertThatThrownBy(() -> EncryptionKeys.parse(K1 + "\nk2=" + shortKey + "\nno key\n" + K1, "/keys/file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("/keys/file: line 2: key k2 must be the base64 of 32 random bytes (openssl rand -base64"
                        + " 32); line 3: must be <keyId>=<base64 of 32 bytes>, the id letters, digits, '.', '_' or"
                        + " '-' (at most 32); line 4: key k1 is given twice")
                .message()
                .doesNotContain(shortKey)
                .doesNotContain(key(1));
    }
}
