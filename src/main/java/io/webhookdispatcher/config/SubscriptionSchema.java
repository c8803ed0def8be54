package io.webhookdispatcher.config;

import static io.webhookdispatcher.config.ConfigKey.Type.INTEGER;
import static io.webhookdispatcher.config.ConfigKey.Type.LIST;
import static io.webhookdispatcher.config.ConfigKey.Type.MAPPING;
import static io.webhookdispatcher.config.ConfigKey.Type.STRING;
import static io.webhookdispatcher.config.ConfigKey.define;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.ConfigKeys.Breaker;
import io.webhookdispatcher.config.ConfigKeys.TlsKeys;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.RateLimit;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.PayloadFilter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The keys of one subscription, declared once, and how one is read: from the config file's {@code subscriptions}
 * list, and from any other JSON (a compacted topic's record, an admin API's request body) with the same validation
 * and the same errors, each naming the source and the key path ({@code subscriptions[crm].url}).
 */
public final class SubscriptionSchema {
    static final Pattern SUBSCRIPTION_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final String ONE_SECRET = "one of `secret`, `secrets`, `secretFile`";

    static final ConfigKey<String> ID = ConfigKey.<String>define("id", STRING, Node::string)
            .required()
            .doc("Unique; lowercase letters, digits, '.', '_' and '-'; used in metrics, headers and webhook-id.");
    static final ConfigKey<URI> URL = define("url", STRING, Values::url)
            .required()
            .expands(Expansion.URL)
            .doc("An absolute http or https URL, or ${VAR} at its start.");
    static final ConfigKey<String> SECRET = define(
                    "secret", STRING, (Node n, String key, String f) -> n.credential(key))
            .describedDefault(null, ONE_SECRET)
            .expands(Expansion.CREDENTIAL)
            .doc("The signing secret, normally ${SOME_ENV_VAR}; at least 24 bytes of key material.");
    static final ConfigKey<List<String>> SECRETS = define(
                    "secrets", LIST, (Node n, String key, List<String> f) -> n.credentials(key))
            .describedDefault(null, ONE_SECRET)
            .expands(Expansion.CREDENTIAL)
            .doc("A list of secrets, the current one first, for a rotation.");
    static final ConfigKey<String> SECRET_FILE = ConfigKey.<String>define("secretFile", STRING, Node::string)
            .describedDefault(null, ONE_SECRET)
            .doc("A file with the secrets, one per line, the current one first; re-read without a restart.");
    static final ConfigKey<Signing.Scheme> SIGNATURE = ConfigKey.choice(
                    "signature", Signing.Scheme.values(), Signing.Scheme::configName)
            .defaultsTo(Signing.Scheme.TWENTY, Signing.Scheme.TWENTY.configName())
            .doc("The signature headers: twenty, standard-webhooks or both.");
    static final ConfigKey<List<EventFilter>> EVENTS = define("events", LIST, Values::eventFilters)
            .required()
            .doc("A non-empty list of event type filters: \"*\", \"person.*\", \"*.created\", \"person.created\".");
    static final ConfigKey<Optional<PayloadFilter>> FILTER = define("filter", STRING, SubscriptionSchema::payloadFilter)
            .describedDefault(Optional.empty(), ConfigKey.NONE)
            .doc("A CEL expression over the event's content that narrows what events matched.");
    static final ConfigKey<Boolean> ENABLED = ConfigKey.bool(
            "enabled", true, "A disabled subscription gets nothing; its waiting retries are dead-lettered.");
    static final ConfigKey<Integer> MAX_IN_FLIGHT = define("maxInFlight", INTEGER, Values::positiveInt)
            .inherits("delivery.maxInFlightPerSubscription")
            .doc("This subscription's concurrent requests.");
    static final ConfigKey<Optional<RateLimit>> RATE_LIMIT = define("rateLimit", STRING, Values::rateLimit)
            .describedDefault(Optional.empty(), ConfigKey.NONE)
            .doc("At most this many requests: 50/s, 600/m or 1000/h; delayed, never dropped.");
    static final ConfigKey<Optional<String>> WORKSPACE_ID = define(
                    "workspaceId", STRING, SubscriptionSchema::workspaceId)
            .describedDefault(Optional.empty(), "every workspace")
            .doc("Gets only the events of this workspace (tenancy.workspaceField); unset: every workspace's.");
    static final ConfigKey<Optional<Duration>> AUTO_DISABLE_AFTER = define(
                    "autoDisableAfter", ConfigKey.Type.DURATION, Values::durationOrOff)
            .inherits("delivery.autoDisableAfter")
            .doc("This subscription's own auto-disable delay, or off.");
    static final ConfigKey<CircuitBreaker.Settings> CIRCUIT_BREAKER = define(
                    "circuitBreaker", MAPPING, SharedSections::breaker)
            .fields(Breaker.FIELDS)
            .inherits("delivery.circuitBreaker")
            .doc("Overrides any of the breaker's keys for this subscription.");
    static final ConfigKey<Tls> TLS = define("tls", MAPPING, SharedSections::tls)
            .fields(TlsKeys.FIELDS)
            .inherits("delivery.tls")
            .doc("This subscription's CAs and client certificate; each half not set here is delivery.tls's.");
    /** The secret keys, for every mapping that holds secrets as a subscription does. */
    static final List<ConfigKey<?>> SECRET_KEYS = List.of(SECRET, SECRETS, SECRET_FILE);

    /** The config file's list. */
    static final ConfigKey<Void> SUBSCRIPTIONS = ConfigKey.<Void>define(
                    "subscriptions", ConfigKey.Type.LIST_OF_MAPPINGS, null)
            .fields(List.of(
                    ID,
                    WORKSPACE_ID,
                    URL,
                    SECRET,
                    SECRETS,
                    SECRET_FILE,
                    SIGNATURE,
                    EVENTS,
                    FILTER,
                    ENABLED,
                    MAX_IN_FLIGHT,
                    RATE_LIMIT,
                    AUTO_DISABLE_AFTER,
                    CIRCUIT_BREAKER,
                    TLS))
            .required()
            .doc("Where to POST which events, and how to sign them.");

    /**
     * What a subscription takes from the rest of the config where it sets nothing of its own.
     *
     * @param destinations where webhooks may go ({@code delivery.allowedNetworks}, {@code delivery.requireHttps})
     * @param maxInFlight  {@code delivery.maxInFlightPerSubscription}
     */
    public record Defaults(
            DestinationGuard destinations,
            int maxInFlight,
            CircuitBreaker.Settings circuitBreaker,
            Tls tls,
            Optional<Duration> autoDisableAfter) {
        public Defaults {
            Objects.requireNonNull(destinations, "destinations");
            Objects.requireNonNull(circuitBreaker, "circuitBreaker");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(autoDisableAfter, "autoDisableAfter");
        }
    }

    private final Function<String, String> env;
    private final Defaults defaults;

    /** @param env the environment that {@code ${VAR}} in {@code url} and the secrets is read from */
    public SubscriptionSchema(Function<String, String> env, Defaults defaults) {
        this.env = Objects.requireNonNull(env, "env");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
    }

    /**
     * One subscription from JSON, with errors named {@code <source>: <key>: …}.
     *
     * @throws ConfigException with every error found, masked
     */
    public Subscription parse(JsonNode json, String source) throws ConfigException {
        var errors = new ConfigErrors(source);
        Optional<Subscription> subscription = parse(json, "", errors, id -> true);
        errors.throwIfAny();
        return subscription.orElseThrow();
    }

    /**
     * One subscription, its errors added to {@code errors} under {@code path}, such as {@code subscriptions[crm]}.
     *
     * @param unique whether an id is not taken yet (the file's list claims each id it reads)
     * @return empty after any error
     */
    public Optional<Subscription> parse(JsonNode json, String path, ConfigErrors errors, Predicate<String> unique) {
        if (json == null || !json.isObject()) {
            errors.add(path.isEmpty() ? "subscription" : path, "must be a mapping with id, url, secret, events");
            return Optional.empty();
        }
        int before = errors.count();
        var sub = new Node((ObjectNode) json, path, errors, env);
        String id = id(sub, unique);
        URI url = URL.read(sub);
        if (url != null) {
            defaults.destinations().refusal(url).ifPresent(why -> sub.error(URL.name(), why));
        }
        Signing signing = signing(sub);
        List<EventFilter> events = EVENTS.read(sub, List.of());
        boolean enabled = ENABLED.read(sub);
        int maxInFlight = MAX_IN_FLIGHT.read(sub, defaults.maxInFlight());
        Optional<RateLimit> rateLimit = RATE_LIMIT.read(sub);
        CircuitBreaker.Settings breaker = CIRCUIT_BREAKER.read(sub, defaults.circuitBreaker());
        Tls tls = TLS.read(sub, defaults.tls());
        Optional<PayloadFilter> filter = FILTER.read(sub);
        Optional<Duration> autoDisableAfter = AUTO_DISABLE_AFTER.read(sub, defaults.autoDisableAfter());
        Optional<String> workspaceId = WORKSPACE_ID.read(sub);
        sub.rejectUnknownKeys();
        if (errors.count() > before) {
            return Optional.empty();
        }
        return Optional.of(new Subscription(
                id,
                url,
                signing,
                events,
                enabled,
                maxInFlight,
                rateLimit,
                breaker,
                tls,
                filter,
                autoDisableAfter,
                workspaceId,
                Optional.empty()));
    }

    /** A workspace id: the CRM's are UUIDs; anything printable up to 128 characters is taken. */
    private static Optional<String> workspaceId(Node n, String key, Optional<String> fallback) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        if (text.isBlank() || text.length() > 128 || !text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            n.error(key, "must be 1 to 128 printable ASCII characters without spaces");
            return fallback;
        }
        return Optional.of(text);
    }

    /**
     * {@code tenancy.maxSubscriptionsPerWorkspace}: one error per workspace over it, naming the workspace. Any entry
     * point that adds subscriptions (the file, a topic, an API) counts the same way.
     */
    static void checkWorkspaceLimit(List<Subscription> subscriptions, int max, Node top) {
        var perWorkspace = new java.util.TreeMap<String, Integer>();
        for (Subscription s : subscriptions) {
            s.workspaceId().ifPresent(w -> perWorkspace.merge(w, 1, Integer::sum));
        }
        perWorkspace.forEach((workspace, count) -> {
            if (count > max) {
                top.error(
                        SUBSCRIPTIONS.name(),
                        "workspace " + workspace + " has " + count + " subscriptions, more than"
                                + " tenancy.maxSubscriptionsPerWorkspace (" + max + ")");
            }
        });
    }

    private static String id(Node sub, Predicate<String> unique) {
        String id = ID.read(sub);
        if (id == null) {
            if (!sub.failed(ID.name())) {
                sub.error(ID.name(), "is required");
            }
        } else if (!SUBSCRIPTION_ID.matcher(id).matches()) {
            sub.error(ID.name(), "'" + id + "' must be lowercase letters, digits, '.', '_' or '-' (at most 63)");
        } else if (!unique.test(id)) {
            sub.error(ID.name(), "duplicate id '" + id + "'");
        }
        return id;
    }

    /** The subscription's CEL {@code filter}, compiled and type-checked. */
    private static Optional<PayloadFilter> payloadFilter(Node sub, String key, Optional<PayloadFilter> fallback) {
        String source = sub.string(key, null);
        if (source == null) {
            return fallback;
        }
        try {
            return Optional.of(PayloadFilter.compile(source));
        } catch (PayloadFilter.InvalidFilterException e) {
            sub.error(key, "is not a valid CEL filter: " + e.getMessage());
            return fallback;
        }
    }

    /** The subscription's {@code signature} scheme and its secrets ({@link #secrets}). Null after an error. */
    private static Signing signing(Node sub) {
        Signing.Scheme scheme = SIGNATURE.read(sub);
        Optional<Secrets> secrets = secrets(sub);
        if (secrets.isEmpty() || sub.failed(SIGNATURE.name())) {
            return null;
        }
        return new Signing(scheme, secrets.get().secrets(), secrets.get().file());
    }

    /**
     * Secrets as a mapping holds them, current first: exactly one of {@code secret}, {@code secrets} and
     * {@code secretFile}, every one {@link Secret#strong strong}.
     *
     * @param file where they were read from, if from a file (re-read on a reload)
     */
    record Secrets(List<Secret> secrets, Optional<Path> file) {}

    /**
     * The secrets of a subscription or of anything else that declares {@link #SECRET_KEYS} ({@code ingest.sources[]}),
     * read and checked the same way, with the same errors; empty after an error.
     */
    static Optional<Secrets> secrets(Node sub) {
        Optional<String> chosen = secretKey(sub);
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        String key = chosen.get();
        int errorsBefore = sub.errors().count();
        Optional<Path> file = key.equals(SECRET_FILE.name())
                ? Optional.ofNullable(SECRET_FILE.read(sub)).map(Path::of)
                : Optional.empty();
        List<String> texts = file.isPresent()
                ? secretFile(sub, key, file.get())
                : key.equals(SECRET.name()) ? Collections.singletonList(SECRET.read(sub)) : SECRETS.read(sub);
        if (sub.errors().count() > errorsBefore || texts.contains(null)) {
            return Optional.empty(); // already reported, e.g. an unset variable
        }
        if (texts.isEmpty()) {
            sub.error(key, "must not be empty");
        }
        List<Secret> secrets = strong(sub, key, texts);
        if (sub.failed(key) || secrets.size() != texts.size()) {
            return Optional.empty();
        }
        return Optional.of(new Secrets(secrets, file));
    }

    /** The one of {@code secret}, {@code secrets} and {@code secretFile} that is given; empty after an error. */
    private static Optional<String> secretKey(Node sub) {
        List<String> given = SECRET_KEYS.stream()
                .map(ConfigKey::name)
                .filter(k -> sub.take(k) != null)
                .toList();
        if (given.size() == 1) {
            return Optional.of(given.get(0));
        }
        if (given.isEmpty()) {
            sub.error(SECRET.name(), "is required (or secrets: [current, previous], or secretFile)");
        } else {
            sub.error(given.get(1), "only one of secret, secrets and secretFile may be given");
        }
        return Optional.empty();
    }

    private static List<String> secretFile(Node sub, String key, Path file) {
        try {
            return SecretFile.read(file);
        } catch (IOException e) {
            sub.error(key, e.getMessage());
            return List.of();
        }
    }

    /** Each text as a {@link Secret#strong strong} secret; the message for a weak one never shows its value. */
    private static List<Secret> strong(Node sub, String key, List<String> texts) {
        var secrets = new ArrayList<Secret>();
        for (int i = 0; i < texts.size(); i++) {
            try {
                secrets.add(Secret.strong(texts.get(i)));
            } catch (IllegalArgumentException e) {
                String message = texts.get(i).isEmpty() ? "is required and must not be empty" : e.getMessage();
                switch (key) {
                    case "secret" -> sub.error(key, message);
                    case "secrets" -> sub.error(key + "[" + i + "]", message);
                    default -> sub.error(key, "secret " + (i + 1) + " of the file " + message);
                }
            }
        }
        return secrets;
    }
}
