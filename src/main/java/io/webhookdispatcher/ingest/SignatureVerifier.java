package io.webhookdispatcher.ingest;

import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.http.StandardWebhooksSigner;
import io.webhookdispatcher.http.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Checks one source's request signature over the raw body bytes, the inverse of what the dispatcher itself sends
 * (docs/delivery-contract.md), with the same signers:
 *
 * <ul>
 *   <li>{@code twenty}: {@code X-Twenty-Webhook-Signature} is the lowercase hex HMAC-SHA256 of
 *       {@code timestamp + ":" + body}, keyed with the secret's UTF-8 bytes, where timestamp is
 *       {@code X-Twenty-Webhook-Timestamp} in epoch milliseconds: what the CRM's webhook job sends.
 *   <li>{@code standard-webhooks}: {@code webhook-signature} holds space-separated {@code v1,<base64>} entries, each an
 *       HMAC-SHA256 of {@code webhook-id.webhook-timestamp.body} (seconds), keyed as {@link Secret#standardWebhooksKey}.
 * </ul>
 *
 * <p>Any of the source's secrets verifies (a rotation); every comparison is constant-time. The signature is checked
 * before the timestamp, so {@link Verdict#STALE} is only ever said of an authentic request (a replay, or a clock that
 * is off): a forger learns nothing from it, and the operator can tell a wrong secret from a wrong clock. Immutable.
 */
public final class SignatureVerifier {
    /** How far a timestamp may be from this clock, either way: the Standard Webhooks libraries' tolerance. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    static final String TWENTY_TIMESTAMP = "X-Twenty-Webhook-Timestamp";
    static final String TWENTY_SIGNATURE = "X-Twenty-Webhook-Signature";
    static final String STANDARD_ID = "webhook-id";
    static final String STANDARD_TIMESTAMP = "webhook-timestamp";
    static final String STANDARD_SIGNATURE = "webhook-signature";

    /** No legitimate header is longer: a 20-digit timestamp, 64 hex digits, a few {@code v1,} entries. */
    private static final int MAX_HEADER_CHARS = 1024;

    /** What the request's signature says about it. */
    public enum Verdict {
        VALID,
        /** Headers missing or malformed, or no secret of the source signed this body. */
        BAD_SIGNATURE,
        /** Signed by a secret of the source, but its timestamp is more than {@link #TOLERANCE} off. */
        STALE
    }

    private final Signing.Scheme scheme;
    private final List<WebhookSigner> twenty;
    private final List<StandardWebhooksSigner> standard;

    /** @throws IllegalArgumentException for {@code both}: a source's requests carry one scheme */
    public SignatureVerifier(Signing signing) {
        Objects.requireNonNull(signing, "signing");
        this.scheme = signing.scheme();
        if (scheme == Signing.Scheme.BOTH) {
            throw new IllegalArgumentException("a source is verified by one scheme, twenty or standard-webhooks");
        }
        this.twenty = signing.secrets().stream().map(WebhookSigner::new).toList();
        this.standard = signing.secrets().stream()
                .map(s -> new StandardWebhooksSigner(List.of(s)))
                .toList();
    }

    /**
     * @param header the request's header by name (case-insensitive), null when absent
     * @param now    this clock's time, epoch milliseconds
     */
    public Verdict verify(Function<String, String> header, byte[] body, long nowMillis) {
        return scheme == Signing.Scheme.TWENTY ? twenty(header, body, nowMillis) : standard(header, body, nowMillis);
    }

    private Verdict twenty(Function<String, String> header, byte[] body, long nowMillis) {
        String timestamp = header.apply(TWENTY_TIMESTAMP);
        String signature = header.apply(TWENTY_SIGNATURE);
        long millis = canonicalNumber(timestamp);
        if (millis < 0 || signature == null || signature.length() > MAX_HEADER_CHARS) {
            return Verdict.BAD_SIGNATURE;
        }
        byte[] given = signature.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        for (WebhookSigner signer : twenty) {
            if (MessageDigest.isEqual(given, signer.sign(millis, body).getBytes(StandardCharsets.US_ASCII))) {
                return fresh(millis, nowMillis);
            }
        }
        return Verdict.BAD_SIGNATURE;
    }

    private Verdict standard(Function<String, String> header, byte[] body, long nowMillis) {
        String id = header.apply(STANDARD_ID);
        long seconds = canonicalNumber(header.apply(STANDARD_TIMESTAMP));
        String signatures = header.apply(STANDARD_SIGNATURE);
        if (id == null || id.length() > MAX_HEADER_CHARS || seconds < 0 || signatures == null) {
            return Verdict.BAD_SIGNATURE;
        }
        if (signatures.length() > MAX_HEADER_CHARS) {
            return Verdict.BAD_SIGNATURE;
        }
        String[] entries = signatures.trim().split(" +");
        for (StandardWebhooksSigner signer : standard) {
            byte[] expected = signer.sign(id, seconds, body).getBytes(StandardCharsets.US_ASCII); // "v1,<base64>"
            for (String entry : entries) {
                if (MessageDigest.isEqual(expected, entry.getBytes(StandardCharsets.US_ASCII))) {
                    return fresh(Math.multiplyExact(seconds, 1000L), nowMillis);
                }
            }
        }
        return Verdict.BAD_SIGNATURE;
    }

    private static Verdict fresh(long timestampMillis, long nowMillis) {
        return Math.abs(nowMillis - timestampMillis) <= TOLERANCE.toMillis() ? Verdict.VALID : Verdict.STALE;
    }

    /**
     * A timestamp as the signers write it (decimal digits, no sign, no leading zero, at most 15 digits), else -1: the
     * signature is made over the header's text, and {@link WebhookSigner} writes the number back, so only the
     * canonical text can verify.
     */
    private static long canonicalNumber(String text) {
        if (text == null || text.isEmpty() || text.length() > 15 || (text.length() > 1 && text.charAt(0) == '0')) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(text);
    }
}
