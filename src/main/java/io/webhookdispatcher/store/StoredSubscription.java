package io.webhookdispatcher.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/**
 * One record of {@code topics.subscriptions}, keyed by the subscription's id: the subscription as JSON with the keys
 * of the config file's entries ({@code spec}, its secrets {@link SecretCipher encrypted}), and beside them
 * {@code description}, {@code createdAt}, {@code updatedAt} and {@code version} (1 on create, one more per write:
 * what {@code update --if-version} compares). A null value (a tombstone) is a deleted subscription.
 */
public record StoredSubscription(
        String id, ObjectNode spec, String description, Instant createdAt, Instant updatedAt, long version) {
    static final String DESCRIPTION = "description";
    static final String CREATED_AT = "createdAt";
    static final String UPDATED_AT = "updatedAt";
    static final String VERSION = "version";
    /** The keys a record has besides the subscription's own. */
    static final List<String> METADATA = List.of(DESCRIPTION, CREATED_AT, UPDATED_AT, VERSION);

    static final int MAX_DESCRIPTION = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    public StoredSubscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        spec = spec.deepCopy(); // a record's state must not change under its readers
        if (version < 1) {
            throw new IllegalArgumentException("version must be positive");
        }
    }

    /** A copy: the caller may change it. */
    @Override
    public ObjectNode spec() {
        return spec.deepCopy();
    }

    /** The record's value. */
    public byte[] toJson() {
        ObjectNode value = spec.deepCopy();
        value.put(DESCRIPTION, description)
                .put(CREATED_AT, createdAt.toString())
                .put(UPDATED_AT, updatedAt.toString())
                .put(VERSION, version);
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /**
     * A record's value read back; the subscription's own keys are checked later, by the schema.
     *
     * @throws IllegalArgumentException naming what is wrong, never quoting the value
     */
    public static StoredSubscription parse(String key, byte[] value) {
        JsonNode json;
        try {
            json = JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("must be a JSON object");
        }
        ObjectNode spec = (ObjectNode) json; // its own tree: the constructor copies it once
        JsonNode version = spec.remove(VERSION);
        if (version == null || !version.canConvertToLong() || !version.isIntegralNumber() || version.asLong() < 1) {
            throw new IllegalArgumentException(VERSION + ": must be a positive integer");
        }
        JsonNode description = spec.remove(DESCRIPTION);
        if (description != null && !description.isTextual()) {
            throw new IllegalArgumentException(DESCRIPTION + ": must be a string");
        }
        return new StoredSubscription(
                key,
                spec,
                description == null ? "" : description.asText(),
                instant(spec.remove(CREATED_AT), CREATED_AT),
                instant(spec.remove(UPDATED_AT), UPDATED_AT),
                version.asLong());
    }

    private static Instant instant(JsonNode node, String name) {
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(name + ": must be an ISO-8601 instant");
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": must be an ISO-8601 instant");
        }
    }

    /** Without the spec, whose secrets are encrypted but still not for a log line. */
    @Override
    public String toString() {
        return "StoredSubscription[id=" + id + ", version=" + version + ", updatedAt=" + updatedAt + "]";
    }
}
