package io.webhookdispatcher.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The CRM's webhook sender, as its current code works (../shared/twenty-webhooks.md): compact JSON record events with
 * keys in its order, signed {@code hex(HMAC-SHA256(secret, timestamp + ":" + body))} with the timestamp in epoch
 * milliseconds, a random nonce, one POST. Written apart from the dispatcher's own signer, as the CRM is.
 */
public final class CrmWebhook {
    private CrmWebhook() {}

    /**
     * A record event as the CRM's webhook job builds it: {@code person.updated} with its {@code updatedFields}, a
     * unicode name, and {@code note} padding up to about {@code size} bytes.
     */
    public static byte[] recordEvent(String eventName, String workspaceId, String recordId, int size) {
        String object = eventName.substring(0, eventName.indexOf('.'));
        String head = "{\"targetUrl\":\"https://dispatcher.example/ingest/crm\",\"eventName\":\"" + eventName
                + "\",\"objectMetadata\":{\"id\":\"" + UUID.nameUUIDFromBytes(object.getBytes(StandardCharsets.UTF_8))
                + "\",\"nameSingular\":\"" + object + "\"},\"workspaceId\":\"" + workspaceId
                + "\",\"webhookId\":\"7d3c1a2e-5b4f-4e8a-9c1d-2f6e8a0b3c4d\",\"eventDate\":\"2025-11-03T09:17:18.443Z\","
                + "\"userId\":\"0b9f7c2a-1d3e-4f5a-8b6c-7d8e9f0a1b2c\",\"record\":{\"id\":\"" + recordId
                + "\",\"name\":{\"firstName\":\"Nguyễn\",\"lastName\":\"Văn An\"},\"emails\":{\"primaryEmail\":"
                + "\"an@example.com\"},\"note\":\"";
        String tail = "\"}" + (eventName.endsWith(".updated") ? ",\"updatedFields\":[\"name\",\"emails\"]" : "") + "}";
        int pad = Math.max(0, size - head.getBytes(StandardCharsets.UTF_8).length - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code X-Twenty-Webhook-Signature}: lowercase hex HMAC-SHA256 keyed with the secret's UTF-8 text. */
    public static String signature(String secret, long timestampMillis, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestampMillis + ":").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request the CRM sends, signed at {@code timestampMillis}. */
    public static HttpRequest request(URI url, String secret, long timestampMillis, byte[] body) {
        return HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json")
                .header("X-Twenty-Webhook-Timestamp", Long.toString(timestampMillis))
                .header("X-Twenty-Webhook-Signature", signature(secret, timestampMillis, body))
                .header("X-Twenty-Webhook-Nonce", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /** Posts as the CRM does, now; returns the status. */
    public static int post(HttpClient client, URI url, String secret, byte[] body) throws Exception {
        return client.send(request(url, secret, System.currentTimeMillis(), body), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }
}
