package io.webhookdispatcher.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.store.SubscriptionAdmin.Decision;
import io.webhookdispatcher.store.SubscriptionAdmin.Edit;
import io.webhookdispatcher.store.SubscriptionAdmin.Put;
import io.webhookdispatcher.store.SubscriptionAdmin.Reason;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import io.webhookdispatcher.store.SubscriptionAdmin.Remove;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The writes an operator makes, each decided on the subscription's current record: pure, so that the Kafka writer
 * and the tests decide alike. Every record written is first decoded exactly as a reader will decode it (the same
 * schema, errors and destination guard): a write that no replica could apply is refused instead.
 */
public final class SubscriptionEdits {
    /** A generated secret's random bytes: 256 bits, as Svix generates them. */
    private static final int SECRET_BYTES = 32;

    private final StoredSchema schema;
    private final Clock clock;
    private final List<Subscription> file;
    private final Set<String> fileIds;
    private final int maxPerWorkspace;

    /**
     * @param file            the config file's subscriptions: the topic may not take their ids, and they count
     *                        towards their workspace's limit
     * @param maxPerWorkspace {@code tenancy.maxSubscriptionsPerWorkspace}, counted over the file and the topic
     */
    public SubscriptionEdits(StoredSchema schema, Clock clock, List<Subscription> file, int maxPerWorkspace) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.file = List.copyOf(file);
        this.fileIds = file.stream().map(Subscription::id).collect(Collectors.toUnmodifiableSet());
        this.maxPerWorkspace = maxPerWorkspace;
    }

    /** The config file's subscription ids. */
    public Set<String> fileIds() {
        return fileIds;
    }

    /** A new {@code whsec_} secret: base64 of 32 random bytes after the Standard Webhooks prefix. */
    public static String newSecret(SecureRandom random) {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return "whsec_" + Base64.getEncoder().encodeToString(bytes);
    }

    /** Version 1 of {@code spec} (its {@code id} the record's key), its secrets sealed. */
    public Edit create(ObjectNode spec, String description) {
        return create(spec, description, Optional.empty());
    }

    /**
     * As {@link #create(ObjectNode, String)}; with an idempotency key, a subscription created with the same key
     * and request is the answer instead ({@link SubscriptionAdmin.Existing}), and one with the same key and
     * another request a refusal.
     */
    public Edit create(ObjectNode spec, String description, Optional<StoredSubscription.Idempotency> idempotency) {
        String id = spec.path("id").asText();
        return topic -> {
            if (idempotency.isPresent()) {
                String key = idempotency.get().key();
                Optional<StoredSubscription> earlier = topic.values().stream()
                        .filter(s ->
                                s.idempotency().filter(i -> i.key().equals(key)).isPresent())
                        .findFirst();
                if (earlier.isPresent()) {
                    return earlier.get().idempotency().orElseThrow().equals(idempotency.get())
                            ? new SubscriptionAdmin.Existing(earlier.get())
                            : Refusal.of(
                                    Reason.KEY_REUSED,
                                    "Idempotency-Key " + key + " created subscription "
                                            + earlier.get().id() + " with another request");
                }
            }
            Optional<StoredSubscription> current = Optional.ofNullable(topic.get(id));
            if (fileIds.contains(id)) {
                return Refusal.of(
                        Reason.CONFLICT,
                        "subscription " + id + " is in the config file: change it there, or use" + " another id");
            }
            if (current.isPresent()) {
                return Refusal.of(
                        Reason.CONFLICT,
                        "subscription " + id + " exists (version "
                                + current.get().version() + "): update it");
            }
            Instant now = clock.instant();
            return sealed(
                    new StoredSubscription(id, spec, description, now, now, 1, idempotency, Optional.empty()), topic);
        };
    }

    /**
     * The next version: {@code change} applied to the current spec with its secrets open.
     *
     * @param description the new description, or empty to keep it
     * @param ifVersion   the version the operator read; empty: whichever is current
     */
    public Edit update(String id, SpecChange change, Optional<String> description, OptionalLong ifVersion) {
        return opened(id, ifVersion, (was, spec, topic) -> {
            change.apply(spec);
            spec.put("id", id);
            return sealed(was.next(spec, description.orElse(was.description()), clock.instant()), topic);
        });
    }

    /**
     * A new secret first and the current one after it, signing until {@code now + overlap} (then every replica drops
     * it); an overlap of zero keeps the new one only. Secrets older than the current one are dropped now.
     */
    public Edit rotate(String id, String secret, java.time.Duration overlap, OptionalLong ifVersion) {
        return opened(id, ifVersion, (was, spec, topic) -> {
            Instant now = clock.instant();
            List<String> current = StoredSchema.secrets(spec);
            spec.remove(StoredSchema.SECRET);
            spec.remove(StoredSchema.SECRETS);
            if (overlap.isZero() || current.isEmpty()) {
                spec.put(StoredSchema.SECRET, secret);
                return sealed(was.next(spec, was.description(), now).rotated(Optional.empty()), topic);
            }
            spec.putArray(StoredSchema.SECRETS).add(secret).add(current.get(0));
            return sealed(was.next(spec, was.description(), now).rotated(Optional.of(now.plus(overlap))), topic);
        });
    }

    /** What a change of an existing subscription decides, given its record and its spec with the secrets open. */
    @FunctionalInterface
    private interface Change {
        Decision decide(StoredSubscription was, ObjectNode spec, Map<String, StoredSubscription> topic);
    }

    /** {@code change} decided on the current record, if it exists at {@code ifVersion} and its secrets open. */
    private Edit opened(String id, OptionalLong ifVersion, Change change) {
        return topic -> {
            Optional<StoredSubscription> current = Optional.ofNullable(topic.get(id));
            Optional<Refusal> refused = check(id, current, ifVersion);
            if (refused.isPresent()) {
                return refused.get();
            }
            StoredSubscription was = current.orElseThrow();
            try {
                return change.decide(was, schema.plain(was), topic);
            } catch (SecretCipher.CipherException e) {
                return Refusal.of(Reason.INVALID, "its stored secret " + e.getMessage());
            }
        };
    }

    /** A tombstone. */
    public Edit delete(String id, OptionalLong ifVersion) {
        return topic -> check(id, Optional.ofNullable(topic.get(id)), ifVersion)
                .<Decision>map(r -> r)
                .orElseGet(() -> new Remove(id));
    }

    /** What an update changes in a spec whose secrets are open. */
    @FunctionalInterface
    public interface SpecChange {
        void apply(ObjectNode spec);
    }

    private Optional<Refusal> check(String id, Optional<StoredSubscription> current, OptionalLong ifVersion) {
        if (current.isEmpty()) {
            return Optional.of(Refusal.of(
                    Reason.NOT_FOUND,
                    "no subscription " + id + " in topics.subscriptions"
                            + (fileIds.contains(id) ? " (it is in the config file: change it there)" : "")));
        }
        long version = current.get().version();
        if (ifVersion.isPresent() && ifVersion.getAsLong() != version) {
            return Optional.of(Refusal.of(
                    Reason.VERSION_MISMATCH,
                    "subscription " + id + " is at version " + version + ", not " + ifVersion.getAsLong()
                            + ": someone changed it since; get it again"));
        }
        return Optional.empty();
    }

    /** {@code plain} (its secrets in clear) sealed, if every replica could apply it. */
    private Decision sealed(StoredSubscription plain, Map<String, StoredSubscription> topic) {
        String id = plain.id();
        if (plain.description().length() > StoredSubscription.MAX_DESCRIPTION) {
            return Refusal.of(
                    Reason.INVALID, "description: at most " + StoredSubscription.MAX_DESCRIPTION + " characters");
        }
        StoredSubscription record;
        try {
            record = new StoredSubscription(
                    id,
                    schema.seal(plain.spec(), id),
                    plain.description(),
                    plain.createdAt(),
                    plain.updatedAt(),
                    plain.version(),
                    plain.idempotency(),
                    plain.previousSecretsUntil());
        } catch (SecretCipher.CipherException e) {
            return Refusal.of(Reason.INVALID, "cannot encrypt the secret: " + e.getMessage());
        }
        StoredSchema.Decoded decoded = schema.decode(record);
        if (decoded instanceof StoredSchema.Unusable why) {
            return new Refusal(Reason.INVALID, why.messages());
        }
        Optional<String> workspace =
                ((StoredSchema.Usable) decoded).subscription().workspaceId();
        if (workspace.isPresent()) {
            long others = file.stream()
                            .filter(s -> s.workspaceId().equals(workspace))
                            .count()
                    + topic.values().stream()
                            .filter(s -> !s.id().equals(id)
                                    && workspace.get().equals(s.workspaceId().orElse(null)))
                            .count();
            if (others + 1 > maxPerWorkspace) {
                return Refusal.of(
                        Reason.INVALID,
                        schema.source() + ": " + StoredSchema.path(id) + ".workspaceId: workspace " + workspace.get()
                                + " has " + others + " subscriptions already, tenancy.maxSubscriptionsPerWorkspace"
                                + " (" + maxPerWorkspace + ") in all");
            }
        }
        return new Put(record);
    }
}
