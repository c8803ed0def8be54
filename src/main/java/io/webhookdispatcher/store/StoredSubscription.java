package io.webhookdispatcher.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One record of {@code topics.subscriptions}, keyed by the subscription's id: the subscription as JSON with the keys
 * of the config file's entries ({@code spec}, its secrets {@link SecretCipher encrypted}), and beside them
 * {@code description}, {@code createdAt}, {@code updatedAt} and {@code version} (1 on create, one more per write:
 * what {@code update --if-version} compares), and {@code idempotency} when the admin API created it with an
 * {@code Idempotency-Key}. A null value (a tombstone) is a deleted subscription.
 *
 * @param idempotency the {@code Idempotency-Key} it was created with and a digest of that request, kept in the
 *                    record so that a retried create is recognised by every replica, after restarts too
 * @param previousSecretsUntil after a rotation: until when the secrets after the first still sign (then every
 *                    reader drops them); empty: all sign
 */
public record StoredSubscription(
        String id,
        ObjectNode spec,
        String description,
        Instant createdAt,
        Instant updatedAt,
        long version,
        Optional<Idempotency> idempotency,
        Optional<Instant> previousSecretsUntil) {
    static final String DESCRIPTION = "description";
    static final String CREATED_AT = "createdAt";
    static final String UPDATED_AT = "updatedAt";
    static final String VERSION = "version";
    static final String IDEMPOTENCY = "idempotency";
    static final String PREVIOUS_SECRETS_UNTIL = "previousSecretsUntil";
    /** The keys a record has besides the subscription's own. */
    static final List<String> METADATA =
            List.of(DESCRIPTION, CREATED_AT, UPDATED_AT, VERSION, IDEMPOTENCY, PREVIOUS_SECRETS_UNTIL);

    static final int MAX_DESCRIPTION = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    public StoredSubscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(idempotency, "idempotency");
        Objects.requireNonNull(previousSecretsUntil, "previousSecretsUntil");
        spec = spec.deepCopy(); // a record's state must not change under its readers
        if (version < 1) {
            throw new IllegalArgumentException("version must be positive");
        }
    }

    /** Not created through the API with an {@code Idempotency-Key}. */
    public StoredSubscription(
            String id, ObjectNode spec, String description, Instant createdAt, Instant updatedAt, long version) {
        this(id, spec, description, createdAt, updatedAt, version, Optional.empty(), Optional.empty());
    }

    /**
     * @param key     the client's {@code Idempotency-Key}
     * @param request a digest of the create request it came with: the same key with another request is refused
     */
    public record Idempotency(String key, String request) {
        public static final int MAX_KEY = 255;

        public Idempotency {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(request, "request");
        }
    }

    /** The same record at a new version: its creation, idempotency and rotation kept. */
    StoredSubscription next(ObjectNode nextSpec, String nextDescription, Instant at) {
        return new StoredSubscription(
                id, nextSpec, nextDescription, createdAt, at, version + 1, idempotency, previousSecretsUntil);
    }

    /** This record with the secrets after the first signing until {@code until} only (empty: for as long as kept). */
    StoredSubscription rotated(Optional<Instant> until) {
        return new StoredSubscription(id, spec, description, createdAt, updatedAt, version, idempotency, until);
    }

    /** Its {@code workspaceId}, if it names one: read without copying the spec (a list walks thousands). */
    public Optional<String> workspaceId() {
        return Optional.ofNullable(spec.path("workspaceId").asText(null));
    }

    /** Whether the secrets after the first are dropped at {@code now}. */
    public boolean previousSecretsExpired(Instant now) {
        return previousSecretsUntil.filter(until -> !now.isBefore(until)).isPresent();
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
        idempotency.ifPresent(
                i -> value.putObject(IDEMPOTENCY).put("key", i.key()).put("request", i.request()));
        previousSecretsUntil.ifPresent(until -> value.put(PREVIOUS_SECRETS_UNTIL, until.toString()));
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
                version.asLong(),
                idempotency(spec.remove(IDEMPOTENCY)),
                spec.has(PREVIOUS_SECRETS_UNTIL)
                        ? Optional.of(instant(spec.remove(PREVIOUS_SECRETS_UNTIL), PREVIOUS_SECRETS_UNTIL))
                        : Optional.empty());
    }

    private static Optional<Idempotency> idempotency(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        if (!node.path("key").isTextual() || !node.path("request").isTextual()) {
            throw new IllegalArgumentException(IDEMPOTENCY + ": must be an object with key and request");
        }
        return Optional.of(
                new Idempotency(node.get("key").asText(), node.get("request").asText()));
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
