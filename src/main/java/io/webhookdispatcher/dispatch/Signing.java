package io.webhookdispatcher.dispatch;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a subscription's requests are signed: the scheme, and its secrets, current first (more than one only
 * while a rotation is under way).
 *
 * @param secretFile where the secrets were read from, if from a file: the config watcher re-reads it
 */
public record Signing(Scheme scheme, List<Secret> secrets, Optional<Path> secretFile) {
    public Signing {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(secretFile, "secretFile");
        secrets = List.copyOf(secrets);
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is needed");
        }
    }

    /** The Twenty scheme with one secret: the contract before schemes and rotation existed. */
    public static Signing twenty(Secret secret) {
        return new Signing(Scheme.TWENTY, List.of(secret), Optional.empty());
    }

    /** The secret new signatures are made with first; the Twenty scheme's only one. */
    public Secret current() {
        return secrets.get(0);
    }

    /** The signature headers a request carries. */
    public enum Scheme {
        /** {@code X-Twenty-Webhook-*}: the CRM's own contract, one hex signature by the current secret. */
        TWENTY,
        /** {@code webhook-timestamp}, {@code webhook-signature}: one {@code v1,} entry per secret. */
        STANDARD_WEBHOOKS,
        /** Both sets of headers, for receivers moving from one to the other. */
        BOTH;

        /** The name in the config file: {@code twenty}, {@code standard-webhooks}, {@code both}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Optional<Scheme> fromConfigName(String name) {
            for (Scheme s : values()) {
                if (s.configName().equals(name)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }

        public boolean twenty() {
            return this != STANDARD_WEBHOOKS;
        }

        public boolean standardWebhooks() {
            return this != TWENTY;
        }
    }
}
