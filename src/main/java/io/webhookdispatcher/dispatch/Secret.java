package io.webhookdispatcher.dispatch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A webhook signing secret. Its value never appears in {@code toString()}, logs or error messages (nor does
 * any exception message this class throws).
 *
 * <p>Two keys come from one secret. The Twenty scheme keys its HMAC with the secret's UTF-8 bytes, as the
 * CRM's own sender does. Standard Webhooks keys it with the base64-decoded part after a {@code whsec_}
 * prefix (the spec's serialization), and with the UTF-8 bytes of any other secret (the npm library's
 * {@code format: "raw"}), so that an existing secret also works with the new scheme.
 */
public final class Secret {
    /** Key material a secret must carry: the Standard Webhooks spec's (and Svix's) lower bound, 192 bits. */
    public static final int MIN_KEY_BYTES = 24;

    public static final String STANDARD_WEBHOOKS_PREFIX = "whsec_";

    private final byte[] utf8;
    private final byte[] standardKey;

    /** @throws IllegalArgumentException for a {@code whsec_} secret that is not base64 after the prefix */
    public Secret(String value) {
        Objects.requireNonNull(value, "value");
        this.utf8 = value.getBytes(StandardCharsets.UTF_8);
        this.standardKey = value.startsWith(STANDARD_WEBHOOKS_PREFIX)
                ? decode(value.substring(STANDARD_WEBHOOKS_PREFIX.length()))
                : utf8;
    }

    /**
     * A secret checked for strength: at least {@link #MIN_KEY_BYTES} of key material (for a {@code whsec_}
     * secret, its decoded bytes). This is what configuration goes through; tests may use weak ones.
     *
     * @throws IllegalArgumentException with a message that tells how to fix it and never shows the value
     */
    public static Secret strong(String value) {
        var secret = new Secret(value);
        int length = secret.standardKey.length;
        if (length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("is too short: " + length + " bytes of key material, at least "
                    + MIN_KEY_BYTES + " are needed (a whsec_ secret counts its base64-decoded bytes); generate one"
                    + " with: echo whsec_$(openssl rand -base64 32)");
        }
        return secret;
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) { // its message quotes a character of the secret: not passed on
            throw new IllegalArgumentException("must be base64 after the whsec_ prefix");
        }
    }

    /** The Twenty scheme's HMAC key: the secret's UTF-8 encoding, as the CRM's own sender uses. */
    public byte[] keyBytes() {
        return utf8.clone();
    }

    /** The Standard Webhooks HMAC key: a {@code whsec_} secret decoded, any other one's UTF-8 bytes. */
    public byte[] standardWebhooksKey() {
        return standardKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(utf8, other.utf8);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(utf8);
    }

    @Override
    public String toString() {
        return "****";
    }
}
