package io.webhookdispatcher.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** A webhook signing secret. Its value never appears in {@code toString()}, logs or error messages. */
public final class Secret {
    private final byte[] utf8;

    public Secret(String value) {
        Objects.requireNonNull(value, "value");
        this.utf8 = value.getBytes(StandardCharsets.UTF_8);
    }

    /** The key bytes for HMAC: the secret's UTF-8 encoding, as the CRM's own sender uses. */
    public byte[] keyBytes() {
        return utf8.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && java.security.MessageDigest.isEqual(utf8, other.utf8);
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
