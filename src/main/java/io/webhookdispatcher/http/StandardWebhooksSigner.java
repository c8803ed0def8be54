package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The <a href="https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md">
 * Standard Webhooks</a> symmetric signature: {@code v1,} + base64 HMAC-SHA256 over {@code id.timestamp.body}
 * (timestamp in epoch seconds), one entry per secret, space-separated, so that a receiver that knows any one
 * of the secrets verifies during a rotation. Keys are {@link Secret#standardWebhooksKey()}. Thread-safe.
 */
public final class StandardWebhooksSigner {
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    /** One keyed Mac per secret, in the secrets' order; each signature works on a clone. */
    private final List<Mac> prototypes;

    public StandardWebhooksSigner(List<Secret> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is needed");
        }
        prototypes = secrets.stream().map(StandardWebhooksSigner::keyed).toList();
    }

    private static Mac keyed(Secret secret) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.standardWebhooksKey(), ALGORITHM));
            return mac;
        } catch (InvalidKeyException | IllegalArgumentException e) { // an empty key: SecretKeySpec refuses it
            throw new IllegalArgumentException("unusable webhook secret");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
        }
    }

    /** The {@code webhook-signature} header's value. */
    public String sign(String id, long timestampSeconds, byte[] body) {
        byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        var header = new StringBuilder(prototypes.size() * 48);
        for (Mac prototype : prototypes) {
            Mac mac;
            try {
                mac = (Mac) prototype.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
            mac.update(prefix);
            mac.update(body);
            if (!header.isEmpty()) {
                header.append(' ');
            }
            header.append("v1,").append(BASE64.encodeToString(mac.doFinal()));
        }
        return header.toString();
    }
}
