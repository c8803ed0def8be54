package io.webhookdispatcher.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.ConfigErrors;
import io.webhookdispatcher.config.SubscriptionSchema;
import io.webhookdispatcher.dispatch.Subscription;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a record of {@code topics.subscriptions} becomes a {@link Subscription}: its secrets decrypted, then the one
 * {@link SubscriptionSchema} of the config file, with the same errors under the same key path
 * ({@code <topic>: subscriptions[crm].url: …}) and the same destination guard. And the reverse for a write: a
 * subscription's secrets encrypted before it is stored.
 *
 * <p>Stricter than the file in two ways, because whoever writes the topic need not be whoever runs the pod: nothing is
 * expanded from the environment ({@code ${VAR}} names no variable here), and the keys that read the pod's files
 * ({@code secretFile}, {@code tls}) are refused.
 */
public final class StoredSchema {
    static final String SECRET = "secret";
    static final String SECRETS = "secrets";
    static final int MAX_FILTER_LENGTH = 1024;
    private static final java.util.regex.Pattern MACRO =
            java.util.regex.Pattern.compile("\\.\\s*(all|exists_one|exists|map|filter)\\s*\\(");
    /** Keys that make the dispatcher read one of its pod's files. */
    private static final List<String> POD_FILES = List.of("secretFile", "tls");

    /** What a record came to. */
    public sealed interface Decoded {}

    /** Usable: applied, unless the file has the same id. */
    public record Usable(Subscription subscription) implements Decoded {}

    /**
     * Not applied: {@code message} says why, fit for a log line (no secret, no ciphertext).
     *
     * @param missingKey whether only a decryption key is missing (it may be added later)
     */
    public record Unusable(boolean missingKey, List<String> messages) implements Decoded {
        public Unusable {
            messages = List.copyOf(messages);
        }
    }

    private final SubscriptionSchema schema;
    private final SecretCipher cipher;
    private final String source;
    private final java.time.Clock clock;

    /**
     * @param defaults what a subscription takes from the config's {@code delivery} section
     * @param source   the topic, which the errors name as the config file's errors name the file
     */
    public StoredSchema(SubscriptionSchema.Defaults defaults, SecretCipher cipher, String source) {
        this(defaults, cipher, source, java.time.Clock.systemUTC());
    }

    /** @param clock when a rotation's previous secrets stop signing ({@link StoredSubscription#previousSecretsUntil}) */
    public StoredSchema(
            SubscriptionSchema.Defaults defaults, SecretCipher cipher, String source, java.time.Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.schema = new SubscriptionSchema(name -> null, Objects.requireNonNull(defaults, "defaults"));
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.source = Objects.requireNonNull(source, "source");
    }

    java.time.Instant now() {
        return clock.instant();
    }

    /** The topic, which the errors name as the config file's errors name the file. */
    String source() {
        return source;
    }

    /** The key path of a stored subscription, as the config file names its entries. */
    static String path(String id) {
        return "subscriptions[" + id + "]";
    }

    public Decoded decode(StoredSubscription stored) {
        String path = path(stored.id());
        var errors = new ConfigErrors(source);
        ObjectNode spec = stored.spec();
        JsonNode id = spec.get("id");
        if (id == null || !id.isTextual() || !id.asText().equals(stored.id())) {
            return new Unusable(false, List.of(source + ": " + path + ".id: must be the record's key"));
        }
        for (String key : POD_FILES) {
            if (spec.has(key)) {
                return new Unusable(
                        false,
                        List.of(
                                source + ": " + path + "." + key
                                        + ": is not allowed in topics.subscriptions (it reads a file of the dispatcher's pod)"));
            }
        }
        Optional<String> costly = costlyFilter(spec.get("filter"));
        if (costly.isPresent()) {
            return new Unusable(false, List.of(source + ": " + path + ".filter: " + costly.get()));
        }
        try {
            transformSecrets(spec, stored.id(), Direction.DECRYPT);
        } catch (SecretCipher.CipherException e) {
            return new Unusable(
                    e.failure() == SecretCipher.Failure.MISSING_KEY,
                    List.of(source + ": " + path + "." + secretKey(spec) + ": " + e.getMessage()));
        }
        if (stored.previousSecretsExpired(clock.instant())) { // the rotation's overlap is over: the first one signs
            List<String> secrets = secrets(spec);
            spec.remove(SECRETS);
            if (!secrets.isEmpty()) {
                spec.put(SECRET, secrets.get(0));
            }
        }
        Optional<Subscription> parsed = schema.parse(spec, path, errors, any -> true);
        if (parsed.isEmpty()) {
            return new Unusable(false, errors.messages());
        }
        return new Usable(parsed.get().createdAt(stored.createdAt()));
    }

    /**
     * {@code spec} with its {@code secret} or {@code secrets} encrypted for subscription {@code id}, as stored.
     *
     * @throws SecretCipher.CipherException without an encryption key
     */
    public ObjectNode seal(ObjectNode spec, String id) throws SecretCipher.CipherException {
        ObjectNode sealed = spec.deepCopy();
        transformSecrets(sealed, id, Direction.ENCRYPT);
        return sealed;
    }

    /** A stored spec with its secrets decrypted: what an update changes before it is sealed again. */
    public ObjectNode plain(StoredSubscription stored) throws SecretCipher.CipherException {
        ObjectNode spec = stored.spec();
        transformSecrets(spec, stored.id(), Direction.DECRYPT);
        return spec;
    }

    /**
     * Why a filter is too costly for a subscription of the topic, whose writer is not the operator: every event of
     * its workspace runs it on the consumer's thread, and nested macros multiply (three nested {@code all} over 100
     * items are a million steps). At most {@link #MAX_FILTER_LENGTH} characters and one macro.
     */
    static Optional<String> costlyFilter(JsonNode filter) {
        if (filter == null || !filter.isTextual()) {
            return Optional.empty(); // the schema says what is wrong with it
        }
        String text = filter.asText();
        if (text.length() > MAX_FILTER_LENGTH) {
            return Optional.of("at most " + MAX_FILTER_LENGTH + " characters in topics.subscriptions");
        }
        if (MACRO.matcher(text).results().count() > 1) {
            return Optional.of("at most one macro (all, exists, exists_one, map, filter) in topics.subscriptions:"
                    + " each event runs it");
        }
        return Optional.empty();
    }

    /** A spec's secrets, current first ({@code secret}, or each of {@code secrets}). */
    public static List<String> secrets(ObjectNode spec) {
        var out = new java.util.ArrayList<String>();
        JsonNode one = spec.get(SECRET);
        if (one != null && one.isTextual()) {
            out.add(one.asText());
        }
        spec.path(SECRETS).forEach(s -> out.add(s.asText()));
        return out;
    }

    private enum Direction {
        ENCRYPT,
        DECRYPT
    }

    /** Each text of {@code secret} and {@code secrets} in place; a value of another type is left to the schema. */
    private void transformSecrets(ObjectNode spec, String id, Direction direction) throws SecretCipher.CipherException {
        JsonNode one = spec.get(SECRET);
        if (one != null && one.isTextual()) {
            spec.put(SECRET, transform(one.asText(), id, direction));
        }
        JsonNode many = spec.get(SECRETS);
        if (many instanceof ArrayNode list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).isTextual()) {
                    list.set(i, transform(list.get(i).asText(), id, direction));
                }
            }
        }
    }

    private String transform(String text, String id, Direction direction) throws SecretCipher.CipherException {
        return direction == Direction.ENCRYPT ? cipher.encrypt(text, id) : cipher.decrypt(text, id);
    }

    private static String secretKey(ObjectNode spec) {
        return spec.has(SECRETS) && !spec.has(SECRET) ? SECRETS : SECRET;
    }
}
