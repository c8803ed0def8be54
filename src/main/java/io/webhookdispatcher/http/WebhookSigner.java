package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The CRM's webhook signature: lowercase hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, over
 * {@code timestamp + ":" + body}, where timestamp is the {@code X-Twenty-Webhook-Timestamp} header
 * (epoch milliseconds) and body is exactly the bytes sent. One instance per secret; thread-safe.
 */
public final class WebhookSigner {
    private static final String ALGORITHM = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    /** Keyed once; each signature works on a clone, which is cheaper than re-initialising. */
    private final Mac prototype;

    public WebhookSigner(Secret secret) {
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(new SecretKeySpec(secret.keyBytes(), ALGORITHM));
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("unusable webhook secret", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
        }
    }

    public String sign(long timestampMillis, byte[] body) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        mac.update(Long.toString(timestampMillis).getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) ':');
        mac.update(body);
        return HEX.formatHex(mac.doFinal());
    }
}
