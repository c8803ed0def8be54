package io.webhookdispatcher.store;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of {@code admin.encryptionKeyFile}: one {@code <keyId>=<base64 of 32 bytes>} per line, the first one
 * encrypting new secrets and every one decrypting (a key rotation adds the new key first and drops the old one once
 * every secret was re-written). Blank lines and lines starting with {@code #} are ignored. No message ever shows a
 * key's bytes.
 */
public final class EncryptionKeys {
    /** AES-256. */
    static final int KEY_BYTES = 32;

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    /** No key: stored secrets cannot be read, nor new ones written. */
    public static final EncryptionKeys NONE = new EncryptionKeys(new LinkedHashMap<>());

    private final Map<String, SecretKey> keys; // in file order, the first encrypts

    private EncryptionKeys(LinkedHashMap<String, SecretKey> keys) {
        this.keys = java.util.Collections.unmodifiableMap(keys);
    }

    /**
     * @param source where the text came from, for the errors
     * @throws IllegalArgumentException naming the line and what is wrong with it, never its content after the id
     */
    public static EncryptionKeys parse(String text, String source) {
        var keys = new LinkedHashMap<String, SecretKey>();
        var errors = new ArrayList<String>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String id = eq < 0 ? "" : line.substring(0, eq).strip();
            if (!KEY_ID.matcher(id).matches()) {
                errors.add("line " + (i + 1) + ": must be <keyId>=<base64 of 32 bytes>, the id letters, digits,"
                        + " '.', '_' or '-' (at most 32)");
                continue;
            }
            Optional<byte[]> bytes = decode(line.substring(eq + 1).strip());
            if (bytes.isEmpty() || bytes.get().length != KEY_BYTES) {
                errors.add("line " + (i + 1) + ": key " + id + " must be the base64 of " + KEY_BYTES
                        + " random bytes (openssl rand -base64 32)");
            } else if (keys.putIfAbsent(id, new SecretKeySpec(bytes.get(), "AES")) != null) {
                errors.add("line " + (i + 1) + ": key " + id + " is given twice");
            }
        }
        if (errors.isEmpty() && keys.isEmpty()) {
            errors.add("holds no key (one <keyId>=<base64 of 32 bytes> per line, the encrypting one first)");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(source + ": " + String.join("; ", errors));
        }
        return new EncryptionKeys(keys);
    }

    private static Optional<byte[]> decode(String base64) {
        try {
            return Optional.of(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) { // its message quotes a character of the key: not passed on
            return Optional.empty();
        }
    }

    /** The id and key that encrypt, if any. */
    Optional<Map.Entry<String, SecretKey>> encrypting() {
        return keys.entrySet().stream().findFirst();
    }

    Optional<SecretKey> key(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** The key ids, the encrypting one first. */
    public List<String> ids() {
        return List.copyOf(keys.keySet());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptionKeys other
                && other.keys.keySet().equals(keys.keySet())
                && keys.entrySet().stream()
                        .allMatch(e -> java.security.MessageDigest.isEqual(
                                e.getValue().getEncoded(),
                                other.keys.get(e.getKey()).getEncoded()));
    }

    @Override
    public int hashCode() {
        return keys.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "EncryptionKeys" + ids();
    }
}
