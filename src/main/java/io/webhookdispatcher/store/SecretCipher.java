package io.webhookdispatcher.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Signing secrets at rest: AES-256-GCM under a key of {@link EncryptionKeys}, written
 * {@code enc:v1:<keyId>:<base64 of the 12-byte nonce and the ciphertext with its 16-byte tag>}. The subscription's id
 * is the associated data, so a ciphertext copied to another subscription's record does not decrypt there. A fresh
 * random nonce per encryption: with 96-bit nonces, NIST SP 800-38D allows 2^32 encryptions per key, far more secrets
 * than one deployment writes. No message of this class shows a secret, a key or a ciphertext.
 */
public final class SecretCipher {
    static final String PREFIX = "enc:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    /** Why a stored secret cannot be used. */
    public enum Failure {
        /** Encrypted with a key this reader does not have: it cannot sign, the subscription is not applied. */
        MISSING_KEY,
        /** Not of the format, or altered (the tag does not verify), or plain text where a ciphertext belongs. */
        INVALID
    }

    /** A secret that cannot be encrypted or decrypted; its message is fit for a log line. */
    public static final class CipherException extends Exception {
        private final Failure failure;

        CipherException(Failure failure, String message) {
            super(message);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    private final Supplier<EncryptionKeys> keys;
    private final SecureRandom random;

    /** @param keys the keys as they are now (a file re-read when it changes) */
    public SecretCipher(Supplier<EncryptionKeys> keys, SecureRandom random) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.random = Objects.requireNonNull(random, "random");
    }

    public static boolean encrypted(String text) {
        return text.startsWith(PREFIX);
    }

    /** {@code secret} encrypted by the first key, bound to {@code subscription}. */
    public String encrypt(String secret, String subscription) throws CipherException {
        Map.Entry<String, SecretKey> key = keys.get()
                .encrypting()
                .orElseThrow(() -> new CipherException(
                        Failure.MISSING_KEY, "no encryption key: set admin.encryptionKeyFile to a file of keys"));
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key.getValue(), nonce, subscription);
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(NONCE_BYTES + sealed.length)
                    .put(nonce)
                    .put(sealed)
                    .array();
            return PREFIX + key.getKey() + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is a required JDK algorithm", e);
        }
    }

    /** The secret {@link #encrypt} sealed for {@code subscription}. */
    public String decrypt(String text, String subscription) throws CipherException {
        if (!encrypted(text)) {
            throw new CipherException(Failure.INVALID, "is not encrypted (enc:v1:<keyId>:…)");
        }
        String rest = text.substring(PREFIX.length());
        int colon = rest.indexOf(':');
        if (colon <= 0) {
            throw new CipherException(Failure.INVALID, "is not of the form enc:v1:<keyId>:<base64>");
        }
        String keyId = rest.substring(0, colon);
        SecretKey key = keys.get()
                .key(keyId)
                .orElseThrow(() -> new CipherException(
                        Failure.MISSING_KEY,
                        "is encrypted with key " + keyId + ", which admin.encryptionKeyFile does not hold"));
        byte[] sealed;
        try {
            sealed = Base64.getDecoder().decode(rest.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new CipherException(Failure.INVALID, "is not base64 after the key id");
        }
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new CipherException(Failure.INVALID, "is too short to be a ciphertext");
        }
        try {
            byte[] nonce = java.util.Arrays.copyOf(sealed, NONCE_BYTES);
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, subscription);
            return new String(cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new CipherException(
                    Failure.INVALID, "does not decrypt with key " + keyId + " (altered, or another subscription's)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is a required JDK algorithm", e);
        }
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] nonce, String subscription)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(("webhook-dispatcher subscription " + subscription).getBytes(StandardCharsets.UTF_8));
        return cipher;
    }
}
