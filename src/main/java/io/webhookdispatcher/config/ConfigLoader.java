package io.webhookdispatcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Network;
import io.webhookdispatcher.dispatch.RateLimit;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.PayloadFilter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the YAML config file into a validated {@link DispatcherConfig}. Every problem is collected, not
 * just the first, and each names the file, the key path (subscriptions by id) and the field. Environment
 * variables are read through an injected function, once, while loading.
 *
 * <p>{@code ${VAR}} is expanded only where credentials and endpoints live ({@link #EXPANDED_IN}; the README's
 * threat model says why): whoever edits the file chooses destinations but must not read the pod's other
 * secrets. Errors quote the file as written (the template), never an expanded value, and as a second line of
 * defence every value read from the environment is masked in every error and warning.
 */
public final class ConfigLoader {
    /** Environment variable that overrides {@code kafka.bootstrapServers}. */
    public static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})\\s*(KiB|MiB|GiB)?");
    private static final String BROKER = "\\s*(\\[[0-9A-Fa-f:.]+]|[^\\s,:\\[\\]]+):\\d{1,5}\\s*";
    private static final Pattern BOOTSTRAP = Pattern.compile(BROKER + "(," + BROKER + ")*");
    private static final Pattern SUBSCRIPTION_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    /** Where {@code ${…}} is expanded; quoted in the error for a reference anywhere else. */
    static final String EXPANDED_IN = "subscriptions[].url, subscriptions[].secret, subscriptions[].secrets,"
            + " kafka.bootstrapServers and the kafka.properties values of password and plugin keys";
    /** Environment values shorter than this are not masked in messages: too short to be secrets, too common. */
    private static final int MASK_MIN_LENGTH = 4;
    // A second value for a key would silently win: an edited secret, say, that is overridden further down.
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** A PEM file larger than this is a mistake (a system CA bundle is about 200 KiB). */
    private static final long MAX_PEM_BYTES = 1 << 20;

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private final Function<String, String> env;

    public ConfigLoader(Function<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    public DispatcherConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public DispatcherConfig parse(String yaml, String source) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            // Jackson's own message quotes the text around the error: the location is enough.
            throw new ConfigException(
                    e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                            ? source + ": line " + j.getLocation().getLineNr() + ": not valid YAML: "
                                    + j.getOriginalMessage()
                            : source + ": not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + ": must be a YAML mapping with a 'subscriptions' list");
        }
        var report = new Report(source);
        var top = new Section((ObjectNode) root, "", report);
        DispatcherConfig config = read(top);
        top.rejectUnknownKeys();
        if (!report.errors.isEmpty()) {
            throw new ConfigException(report.errors.stream().map(report::mask).toList());
        }
        return config;
    }

    /** What one parse found: its errors, and the environment values it expanded, which no message may show. */
    private static final class Report {
        final String source;
        final List<String> errors = new ArrayList<>();
        final Set<String> expanded = new HashSet<>();

        Report(String source) {
            this.source = source;
        }

        String mask(String message) {
            String masked = message;
            for (String value : expanded) {
                masked = masked.replace(value, "****");
            }
            return masked;
        }
    }

    private DispatcherConfig read(Section top) {
        var k = top.section("kafka");
        String bootstrap = k.bootstrapServers("bootstrapServers", "localhost:9092");
        String override = env.apply(BOOTSTRAP_ENV);
        var kafka = new DispatcherConfig.Kafka(
                override == null || override.isBlank() ? bootstrap : override,
                k.string("groupId", "webhook-dispatcher"),
                k.startFrom("startFrom"),
                k.stringMap("properties"));
        k.rejectUnknownKeys();
        for (KafkaClientSettings.Problem p : KafkaClientSettings.check(kafka)) {
            String key = p.property() == null ? "properties" : "properties." + p.property();
            if (p.warning()) {
                log.warn("{}: kafka.{}: {}", top.report.source, key, top.report.mask(p.message()));
            } else {
                k.error(key, p.message());
            }
        }

        var t = top.section("topics");
        var topics = new DispatcherConfig.Topics(
                t.string("events", "crm.events"),
                t.string("retry", "crm.events.retry"),
                t.string("deadLetter", "crm.events.dlt"),
                t.bool("create", false),
                t.positiveInt("partitions", 6),
                (short) t.positiveInt("replicationFactor", 3),
                Optional.ofNullable(t.string("attempts", null)).filter(a -> !a.isBlank()),
                t.positiveDuration("attemptsRetention", "7d"),
                Optional.ofNullable(t.string("operations", null)).filter(o -> !o.isBlank()));
        t.rejectUnknownKeys();

        var d = top.section("delivery");
        int maxEventBytes = d.positiveInt("maxEventBytes", 1 << 20);
        long maxQueuedBytes = d.size("maxQueuedBytesPerSubscription", 16L << 20);
        if (maxQueuedBytes < maxEventBytes) {
            d.error("maxQueuedBytesPerSubscription", "must be at least delivery.maxEventBytes (" + maxEventBytes + ")");
        }
        var delivery = new DispatcherConfig.Delivery(
                d.positiveDuration("requestTimeout", "10s"),
                d.positiveDuration("connectTimeout", "5s"),
                d.positiveInt("maxInFlight", 256),
                d.positiveInt("maxInFlightPerSubscription", 64),
                maxEventBytes,
                d.positiveInt("maxQueuedPerSubscription", 1000),
                maxQueuedBytes,
                d.size(
                        "maxBufferedBytes",
                        DispatcherConfig.Delivery.defaultBufferedBytes(
                                Runtime.getRuntime().maxMemory())),
                d.positiveDuration("maxQueueDelay", "1s"),
                d.breaker("circuitBreaker", CircuitBreaker.Settings.DEFAULTS),
                new DestinationGuard(d.networks("allowedNetworks"), d.bool("requireHttps", false)));
        Tls tls = d.tls("tls", Tls.DEFAULT); // a default for the subscriptions, merged into each
        Optional<Duration> autoDisableAfter = d.durationOrOff("autoDisableAfter", Optional.of(Duration.ofDays(5)));
        d.rejectUnknownKeys();

        var r = top.section("retry");
        var retry = new DispatcherConfig.Retry(
                r.durations("schedule", List.of("5s", "5m", "30m", "2h", "5h", "10h", "10h")),
                r.fraction("jitter", 0.2),
                r.positiveDuration("maxJitter", "1m"),
                r.positiveDuration("maxRetryAfter", "1h"),
                r.statuses("permanentStatuses", Set.of(400, 410, 413, 422)));
        r.rejectUnknownKeys();

        var m = top.section("management");
        var management = new DispatcherConfig.Management(
                m.address("address", "0.0.0.0"), m.port("port", 8081), m.positiveDuration("livenessTimeout", "60s"));
        m.rejectUnknownKeys();

        var s = top.section("shutdown");
        var shutdown = new DispatcherConfig.Shutdown(s.positiveDuration("timeout", "20s"));
        s.rejectUnknownKeys();

        var rl = top.section("reload");
        var reload = new DispatcherConfig.Reload(rl.positiveDuration("interval", "10s"));
        rl.rejectUnknownKeys();

        var mt = top.section("metrics");
        var metrics = new DispatcherConfig.Metrics(mt.bool("eventTypeLabel", true));
        mt.rejectUnknownKeys();

        return new DispatcherConfig(
                kafka,
                topics,
                delivery,
                retry,
                management,
                shutdown,
                reload,
                metrics,
                subscriptions(top, delivery, tls, autoDisableAfter));
    }

    private List<Subscription> subscriptions(
            Section top, DispatcherConfig.Delivery delivery, Tls tlsDefault, Optional<Duration> autoDisableDefault) {
        JsonNode list = top.take("subscriptions");
        if (list == null || !list.isArray()) {
            top.error("subscriptions", "is required: a list of subscriptions");
            return List.of();
        }
        var result = new ArrayList<Subscription>();
        var ids = new HashSet<String>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            if (!node.isObject()) {
                top.error("subscriptions[" + i + "]", "must be a mapping with id, url, secret, events");
                continue;
            }
            JsonNode idNode = node.get("id");
            String label = idNode != null && idNode.isTextual() && !ids.contains(idNode.asText())
                    ? idNode.asText()
                    : String.valueOf(i);
            var sub = new Section((ObjectNode) node, "subscriptions[" + label + "]", top.report);
            String id = sub.string("id", null);
            if (id == null) {
                if (!sub.failed("id")) {
                    sub.error("id", "is required");
                }
            } else if (!SUBSCRIPTION_ID.matcher(id).matches()) {
                sub.error("id", "'" + id + "' must be lowercase letters, digits, '.', '_' or '-' (at most 63)");
            } else if (!ids.add(id)) {
                sub.error("id", "duplicate id '" + id + "'");
            }
            URI url = sub.url("url");
            if (url != null) {
                delivery.destinations().refusal(url).ifPresent(why -> sub.error("url", why));
            }
            Signing signing = signing(sub);
            List<EventFilter> events = sub.filters("events");
            boolean enabled = sub.bool("enabled", true);
            int maxInFlight = sub.positiveInt("maxInFlight", delivery.maxInFlightPerSubscription());
            Optional<RateLimit> rateLimit = sub.rateLimit("rateLimit");
            CircuitBreaker.Settings breaker = sub.breaker("circuitBreaker", delivery.circuitBreaker());
            Tls tls = sub.tls("tls", tlsDefault);
            Optional<PayloadFilter> filter = payloadFilter(sub);
            Optional<Duration> autoDisableAfter = sub.durationOrOff("autoDisableAfter", autoDisableDefault);
            sub.rejectUnknownKeys();
            if (id != null && url != null && signing != null && !events.isEmpty() && filter != null) {
                result.add(new Subscription(
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
                        autoDisableAfter));
            }
        }
        return result;
    }

    /** The subscription's CEL {@code filter}, compiled and type-checked; null after an error. */
    private static Optional<PayloadFilter> payloadFilter(Section sub) {
        String source = sub.string("filter", null);
        if (source == null) {
            return sub.failed("filter") ? null : Optional.empty();
        }
        try {
            return Optional.of(PayloadFilter.compile(source));
        } catch (PayloadFilter.InvalidFilterException e) {
            sub.error("filter", "is not a valid CEL filter: " + e.getMessage());
            return null;
        }
    }

    private static final List<String> SECRET_KEYS = List.of("secret", "secrets", "secretFile");

    /**
     * The subscription's {@code signature} scheme and exactly one of {@code secret}, {@code secrets} (current
     * first) and {@code secretFile}; every secret {@link Secret#strong strong}. Null after an error.
     */
    private static Signing signing(Section sub) {
        String schemeName = sub.string("signature", Signing.Scheme.TWENTY.configName());
        Optional<Signing.Scheme> scheme = Optional.ofNullable(schemeName).flatMap(Signing.Scheme::fromConfigName);
        if (schemeName != null && scheme.isEmpty()) {
            sub.error("signature", "must be twenty, standard-webhooks or both (got '" + schemeName + "')");
        }
        List<String> given =
                SECRET_KEYS.stream().filter(k -> sub.take(k) != null).toList();
        if (given.size() != 1) {
            sub.error(
                    given.isEmpty() ? "secret" : given.get(1),
                    given.isEmpty()
                            ? "is required (or secrets: [current, previous], or secretFile)"
                            : "only one of secret, secrets and secretFile may be given");
            return null;
        }
        String key = given.get(0);
        int errorsBefore = sub.report.errors.size();
        List<String> texts = new ArrayList<>();
        Optional<Path> file = Optional.empty();
        switch (key) {
            case "secret" -> texts.add(sub.credential(key));
            case "secrets" -> texts.addAll(sub.credentials(key));
            default -> {
                String path = sub.string(key, null);
                if (path != null) {
                    file = Optional.of(Path.of(path));
                    try {
                        texts.addAll(SecretFile.read(file.get()));
                    } catch (IOException e) {
                        sub.error(key, e.getMessage());
                    }
                }
            }
        }
        if (sub.report.errors.size() > errorsBefore || texts.contains(null)) {
            return null; // already reported, e.g. an unset variable
        }
        if (texts.isEmpty()) {
            sub.error(key, "must not be empty");
        }
        var secrets = new ArrayList<Secret>();
        for (int i = 0; i < texts.size(); i++) {
            String message;
            try {
                secrets.add(Secret.strong(texts.get(i)));
                continue;
            } catch (IllegalArgumentException e) {
                message = texts.get(i).isEmpty() ? "is required and must not be empty" : e.getMessage();
            }
            switch (key) { // the message never shows the value
                case "secret" -> sub.error(key, message);
                case "secrets" -> sub.error(key + "[" + i + "]", message);
                default -> sub.error(key, "secret " + (i + 1) + " of the file " + message);
            }
        }
        if (sub.failed(key) || secrets.size() != texts.size() || scheme.isEmpty()) {
            return null;
        }
        return new Signing(scheme.get(), secrets, file);
    }

    /** Where a field's {@code ${…}} references may stand; each rule is quoted in the error that breaks it. */
    private enum Expansion {
        /** A signing secret: anywhere in the value, which is never shown. */
        CREDENTIAL(""),
        /** A Kafka password or plugin key, as a secret; Kafka's own {@code ${provider:…}} only if providers are on. */
        KAFKA(""),
        /**
         * A URL: one reference that begins it and is followed by nothing, a path or a query, so the variable names
         * the scheme and host. A host written in the file with a variable after it would send that variable there.
         */
        URL("${…} in a URL must begin it, once, followed by nothing, '/' or '?' (the variable names the scheme and"
                + " host)"),
        /** The whole value is one reference: text around it could turn any variable into a host name to look up. */
        WHOLE("${…} must be the whole value");

        final String rule;

        Expansion(String rule) {
            this.rule = rule;
        }

        /** Whether a reference at {@code [start, end)}, after {@code before} others, may stand there. */
        boolean allows(String written, int start, int end, int before) {
            return switch (this) {
                case CREDENTIAL, KAFKA -> true;
                case URL ->
                    before == 0 && start == 0 && (end == written.length() || "/?".indexOf(written.charAt(end)) >= 0);
                case WHOLE -> before == 0 && start == 0 && end == written.length();
            };
        }

        /** Whether a {@code ${…}} that names no environment variable is passed on as written (to Kafka). */
        boolean passesOn() {
            return this == KAFKA && KafkaClientSettings.configProvidersEnabled();
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One mapping of the file; remembers which keys were read so the rest can be reported as unknown. */
    private final class Section {
        private final ObjectNode node;
        private final String path;
        private final Report report;
        private final Set<String> seen = new LinkedHashSet<>();
        private final Set<String> failed = new HashSet<>();

        Section(ObjectNode node, String path, Report report) {
            this.node = node;
            this.path = path;
            this.report = report;
        }

        boolean failed(String key) {
            return failed.contains(key);
        }

        void error(String key, String message) {
            failed.add(key);
            report.errors.add(report.source + ": " + (path.isEmpty() ? key : path + "." + key) + ": " + message);
        }

        JsonNode take(String key) {
            seen.add(key);
            JsonNode value = node.get(key);
            return value == null || value.isNull() ? null : value;
        }

        Section section(String key) {
            JsonNode value = take(key);
            if (value != null && !value.isObject()) {
                error(key, "must be a mapping");
                value = null;
            }
            ObjectNode obj = value == null ? YAML.createObjectNode() : (ObjectNode) value;
            return new Section(obj, path.isEmpty() ? key : path + "." + key, report);
        }

        void rejectUnknownKeys() {
            node.fieldNames().forEachRemaining(name -> {
                if (!seen.contains(name)) {
                    error(name, "unknown key");
                }
            });
        }

        /** A scalar as written, where {@code ${…}} is not expanded but an error; the fallback when absent. */
        String string(String key, String fallback) {
            String written = scalar(key);
            if (written == null) {
                return fallback;
            }
            return literal(key, written) ? written : fallback;
        }

        /**
         * A signing secret (or any credential): {@code ${VAR}} and {@code ${VAR:-default}} are expanded anywhere in
         * the value; null when absent or unresolvable. Its value must never reach a message: quote the key only.
         */
        String credential(String key) {
            String written = scalar(key);
            return written == null ? null : expand(key, written, Expansion.CREDENTIAL);
        }

        /** A list of credentials ({@code secrets: [current, previous]}), each expanded as {@link #credential}. */
        List<String> credentials(String key) {
            var result = new ArrayList<String>();
            List<String> written = scalars(key);
            for (int i = 0; i < written.size(); i++) {
                String value = expand(key + "[" + i + "]", written.get(i), Expansion.CREDENTIAL);
                if (value != null) {
                    result.add(value);
                }
            }
            return result;
        }

        /** The scalar's text as written; null when absent or not a scalar (reported). */
        private String scalar(String key) {
            JsonNode value = take(key);
            if (value == null) {
                return null;
            }
            if (!value.isValueNode()) {
                error(key, "must be a single value");
                return null;
            }
            return value.asText();
        }

        /** False, after reporting it, when a field that is never expanded holds a {@code ${…}}. */
        private boolean literal(String key, String written) {
            if (!written.contains("${")) {
                return true;
            }
            error(key, "${…} is only expanded in " + EXPANDED_IN + " (got '" + written + "')");
            return false;
        }

        /**
         * {@code written} with its references resolved, or null after reporting why not. Every value read from
         * the environment is remembered so that no message shows it.
         */
        private String expand(String key, String written, Expansion where) {
            Matcher m = ENV_REF.matcher(written);
            var out = new StringBuilder();
            int references = 0;
            boolean ok = true;
            while (m.find()) {
                if (!where.allows(written, m.start(), m.end(), references++)) {
                    error(key, where.rule + " (got '" + written + "')");
                    return null;
                }
                String value = env.apply(m.group(1));
                if (value != null && value.length() >= MASK_MIN_LENGTH) {
                    report.expanded.add(value);
                }
                if (value == null) {
                    value = m.group(2);
                }
                if (value == null) {
                    error(key, "environment variable " + m.group(1) + " is not set");
                    ok = false;
                    value = "";
                }
                if (key.equals("properties." + JaasText.PROPERTY) && JaasText.insideQuotes(written, m.start())) {
                    if (JaasText.hasLineBreakOrControl(value)) { // ends a JAAS string whatever the escaping
                        error(
                                key,
                                "the value of " + m.group(1) + " has a line break or another control character,"
                                        + " which a JAAS option cannot hold (a Secret made with --from-file keeps the file's"
                                        + " last newline; not shown)");
                        ok = false;
                        value = "";
                    }
                    value = JaasText.escape(value); // a '"' in a password must not end the JAAS string
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            if (ENV_REF.matcher(written).replaceAll("").contains("${") && !where.passesOn()) {
                error(
                        key,
                        "${…} must name an environment variable, ${NAME} or ${NAME:-default}"
                                + (where == Expansion.KAFKA ? "; Kafka config providers are disabled" : "")
                                + " (got '" + written + "')");
                return null;
            }
            return ok ? out.toString() : null;
        }

        /** {@code kafka.startFrom}: {@code latest} (the default) or {@code earliest}. */
        DispatcherConfig.Kafka.StartFrom startFrom(String key) {
            String text = string(key, "latest");
            for (var value : DispatcherConfig.Kafka.StartFrom.values()) {
                if (value.resetPolicy().equals(text)) {
                    return value;
                }
            }
            if (text != null) {
                error(key, "must be latest or earliest (got '" + text + "')");
            }
            return DispatcherConfig.Kafka.StartFrom.LATEST;
        }

        boolean bool(String key, boolean fallback) {
            String text = string(key, null);
            if (text == null) {
                return fallback;
            }
            if (!text.equals("true") && !text.equals("false")) {
                error(key, "must be true or false (got '" + text + "')");
                return fallback;
            }
            return Boolean.parseBoolean(text);
        }

        int positiveInt(String key, int fallback) {
            return number(key, fallback, Integer::parseInt, n -> n > 0, "a positive whole number");
        }

        /** A TCP port; 0 picks a free one (tests, several dispatchers on one host). */
        int port(String key, int fallback) {
            return number(key, fallback, Integer::parseInt, n -> n >= 0 && n <= 65535, "a port number, 0 to 65535");
        }

        /** An interface to bind: an IP literal or {@code localhost}; a name needing DNS is not worth a start-up risk. */
        String address(String key, String fallback) {
            String text = string(key, fallback);
            if (text != null
                    && (text.equals("localhost") || IP_LITERAL.matcher(text).matches())) {
                try {
                    java.net.InetAddress.getByName(text); // a literal: parsed, never looked up
                    return text;
                } catch (java.net.UnknownHostException e) {
                    // reported below
                }
            }
            if (text != null) {
                error(key, "must be an IP address such as 0.0.0.0, 127.0.0.1 or :: (got '" + text + "')");
            }
            return fallback;
        }

        double fraction(String key, double fallback) {
            return number(key, fallback, Double::parseDouble, f -> f >= 0 && f <= 1, "a number from 0 to 1");
        }

        private <N> N number(String key, N fallback, Function<String, N> parse, Predicate<N> valid, String expected) {
            String text = string(key, null);
            if (text == null) {
                return fallback;
            }
            try {
                N n = parse.apply(text.trim());
                if (valid.test(n)) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            error(key, "must be " + expected + " (got '" + text + "')");
            return fallback;
        }

        /** A size in bytes: a whole number, or with a unit {@code KiB}, {@code MiB}, {@code GiB}. */
        long size(String key, long fallback) {
            String text = string(key, null);
            if (text == null) {
                return fallback;
            }
            Matcher m = SIZE.matcher(text.trim());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                int shift = m.group(2) == null
                        ? 0
                        : switch (m.group(2)) {
                            case "KiB" -> 10;
                            case "MiB" -> 20;
                            default -> 30;
                        };
                if (n > 0 && n < (1L << (62 - shift))) {
                    return n << shift;
                }
            }
            error(key, "must be a positive size such as 1048576, 512KiB, 64MiB or 1GiB (got '" + text + "')");
            return fallback;
        }

        Optional<RateLimit> rateLimit(String key) {
            String text = string(key, null);
            if (text == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(RateLimit.parse(text));
            } catch (IllegalArgumentException e) {
                error(key, e.getMessage());
                return Optional.empty();
            }
        }

        /** A circuitBreaker mapping; every field defaults to {@code defaults}' (global, or the delivery section's). */
        CircuitBreaker.Settings breaker(String key, CircuitBreaker.Settings defaults) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                take(key);
                return defaults;
            }
            Section b = section(key);
            boolean enabled = b.bool("enabled", defaults.enabled());
            int failureThreshold = b.positiveInt("failureThreshold", defaults.failureThreshold());
            double failureRatio = b.fraction("failureRatio", defaults.failureRatio());
            int window = b.positiveInt("window", defaults.window());
            int minimumAttempts = b.positiveInt("minimumAttempts", Math.min(defaults.minimumAttempts(), window));
            Duration open = b.positiveDuration("openDuration", Durations.format(defaults.openDuration()));
            Duration maxOpen = b.positiveDuration("maxOpenDuration", Durations.format(defaults.maxOpenDuration()));
            b.rejectUnknownKeys();
            if (failureRatio == 0) {
                b.error("failureRatio", "must be more than 0");
            } else if (minimumAttempts > window) {
                b.error("minimumAttempts", "must not be more than window (" + window + ")");
            } else if (maxOpen.compareTo(open) < 0) {
                b.error("maxOpenDuration", "must not be shorter than openDuration");
            } else {
                return new CircuitBreaker.Settings(
                        enabled, failureThreshold, failureRatio, window, minimumAttempts, open, maxOpen);
            }
            return defaults;
        }

        /**
         * A tls mapping. Its two halves, the CAs ({@code caFile}, {@code trust}) and the client certificate
         * ({@code certFile}, {@code keyFile}), each come from {@code defaults} (the delivery section's) when none of
         * their keys is set here. The files are read and checked now: a config that loads can make handshakes.
         */
        Tls tls(String key, Tls defaults) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                take(key);
                return defaults;
            }
            Section t = section(key);
            Optional<Tls.CaBundle> ca = t.has("caFile") || t.has("trust") ? t.caBundle() : defaults.ca();
            Optional<Tls.ClientCertificate> client =
                    t.has("certFile") || t.has("keyFile") ? t.clientCertificate() : defaults.client();
            t.rejectUnknownKeys();
            return new Tls(ca, client);
        }

        private boolean has(String key) {
            return node.get(key) != null;
        }

        private Optional<Tls.CaBundle> caBundle() {
            String file = string("caFile", null);
            String trustText = string("trust", Tls.Trust.SYSTEM_AND_CA.label);
            Tls.Trust trust = null;
            for (var t : Tls.Trust.values()) {
                if (t.label.equals(trustText)) {
                    trust = t;
                }
            }
            if (trust == null && trustText != null) {
                error("trust", "must be system+ca or ca-only (got '" + trustText + "')");
            }
            if (file == null) {
                if (!failed("caFile")) {
                    error("caFile", "is required with trust: a PEM file of the CAs to trust");
                }
                return Optional.empty();
            }
            byte[] bytes = readFile("caFile", file);
            if (bytes == null || trust == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Tls.CaBundle(Path.of(file), trust, Pem.certificates(bytes), sha256(bytes)));
            } catch (IllegalArgumentException e) {
                error("caFile", "'" + file + "' " + e.getMessage());
                return Optional.empty();
            }
        }

        private Optional<Tls.ClientCertificate> clientCertificate() {
            String certFile = string("certFile", null);
            String keyFile = string("keyFile", null);
            if (certFile == null || keyFile == null) {
                String missing = certFile == null ? "certFile" : "keyFile";
                if (!failed(missing)) {
                    error(missing, "is required: certFile and keyFile go together");
                }
                return Optional.empty();
            }
            byte[] certBytes = readFile("certFile", certFile);
            byte[] keyBytes = readFile("keyFile", keyFile);
            if (certBytes == null || keyBytes == null) {
                return Optional.empty();
            }
            List<java.security.cert.X509Certificate> chain;
            try {
                chain = Pem.certificates(certBytes);
            } catch (IllegalArgumentException e) {
                error("certFile", "'" + certFile + "' " + e.getMessage());
                return Optional.empty();
            }
            try {
                java.security.PrivateKey key = Pem.privateKey(keyBytes);
                Pem.checkPair(key, chain.get(0));
                return Optional.of(new Tls.ClientCertificate(
                        Path.of(certFile), Path.of(keyFile), chain, key, sha256(certBytes, keyBytes)));
            } catch (IllegalArgumentException e) {
                error("keyFile", "'" + keyFile + "' " + e.getMessage());
                return Optional.empty();
            }
        }

        /** A small regular file's bytes, or null with the reason reported (never any of its content). */
        private byte[] readFile(String key, String file) {
            try {
                Path path = Path.of(file);
                if (!Files.isRegularFile(path)) {
                    error(key, "'" + file + "' " + (Files.exists(path) ? "is not a regular file" : "does not exist"));
                } else if (Files.size(path) > MAX_PEM_BYTES) {
                    error(key, "'" + file + "' is larger than " + (MAX_PEM_BYTES >> 10) + " KiB: not a PEM file");
                } else {
                    return Files.readAllBytes(path);
                }
            } catch (java.nio.file.AccessDeniedException e) {
                error(key, "'" + file + "' is not readable (permission denied)");
            } catch (IOException | java.nio.file.InvalidPathException e) {
                error(key, "'" + file + "' cannot be read: " + e.getClass().getSimpleName());
            }
            return null;
        }

        Duration positiveDuration(String key, String fallback) {
            String text = string(key, fallback);
            return parseDuration(key, text, Durations.parse(fallback));
        }

        /** A positive duration, or {@code off} (YAML may read that as false) for none; {@code fallback} if absent. */
        Optional<Duration> durationOrOff(String key, Optional<Duration> fallback) {
            String text = string(key, null);
            if (text == null) {
                return fallback;
            }
            if (Set.of("off", "false", "never").contains(text.trim().toLowerCase(java.util.Locale.ROOT))) {
                return Optional.empty();
            }
            return Optional.of(parseDuration(key, text, Duration.ofDays(5)));
        }

        private Duration parseDuration(String key, String text, Duration fallback) {
            try {
                Duration d = Durations.parse(text);
                if (!d.isZero()) {
                    return d;
                }
                error(key, "must be longer than zero");
            } catch (IllegalArgumentException e) {
                error(key, e.getMessage());
            }
            return fallback;
        }

        List<Duration> durations(String key, List<String> fallback) {
            List<String> texts = strings(key, fallback);
            var result = new ArrayList<Duration>();
            for (int i = 0; i < texts.size(); i++) {
                result.add(parseDuration(key + "[" + i + "]", texts.get(i), Duration.ofSeconds(1)));
            }
            return result;
        }

        Set<Integer> statuses(String key, Set<Integer> fallback) {
            JsonNode value = take(key);
            if (value == null) {
                return fallback;
            }
            var result = new LinkedHashSet<Integer>();
            List<String> texts = strings(key, List.of());
            for (String text : texts) {
                try {
                    int status = Integer.parseInt(text.trim());
                    if (status >= 100 && status <= 599) {
                        result.add(status);
                        continue;
                    }
                } catch (NumberFormatException ignored) {
                    // reported below
                }
                error(key, "'" + text + "' is not an HTTP status code (100-599)");
            }
            return result;
        }

        /** A list of scalars as written (never expanded); a missing key gives the fallback. */
        List<String> strings(String key, List<String> fallback) {
            JsonNode value = take(key);
            if (value == null) {
                return fallback;
            }
            if (!value.isArray()) {
                error(key, "must be a list");
                return fallback;
            }
            var result = new ArrayList<String>();
            for (JsonNode item : value) {
                if (!item.isValueNode()) {
                    error(key, "must be a list of single values");
                    continue;
                }
                if (literal(key, item.asText())) {
                    result.add(item.asText());
                }
            }
            return result;
        }

        /** A list of scalars as written; empty when absent. */
        private List<String> scalars(String key) {
            JsonNode value = take(key);
            var result = new ArrayList<String>();
            if (value == null) {
                return result;
            }
            if (!value.isArray()) {
                error(key, "must be a list");
                return result;
            }
            for (JsonNode item : value) {
                if (item.isValueNode()) {
                    result.add(item.asText());
                } else {
                    error(key, "must be a list of single values");
                }
            }
            return result;
        }

        Map<String, String> stringMap(String key) {
            JsonNode value = take(key);
            var result = new LinkedHashMap<String, String>();
            if (value == null) {
                return result;
            }
            if (!value.isObject()) {
                error(key, "must be a mapping of Kafka client property names to values");
                return result;
            }
            value.fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode()) {
                    error(key + "." + e.getKey(), "must be a single value");
                    return;
                }
                String name = key + "." + e.getKey();
                String written = e.getValue().asText();
                // Kafka logs the values of its other keys (the client config at INFO, errors), so only these.
                String text = KafkaClientSettings.isSecret(e.getKey())
                        ? expand(name, written, Expansion.KAFKA)
                        : literal(name, written) ? written : null;
                if (text != null) {
                    result.put(e.getKey(), text);
                }
            });
            return result;
        }

        /** {@code kafka.bootstrapServers}: {@code host:port,…}, written out or as one {@code ${VAR}}. */
        String bootstrapServers(String key, String fallback) {
            String written = scalar(key);
            if (written == null) {
                return fallback;
            }
            String text = expand(key, written, Expansion.WHOLE);
            if (text != null && !BOOTSTRAP.matcher(text).matches()) {
                // Quotes the file: a variable holding a secret, not brokers, must not be shown.
                error(key, "must be host:port pairs separated by commas (from '" + written + "')");
                return fallback;
            }
            return text == null ? fallback : text;
        }

        URI url(String key) {
            String written = scalar(key);
            String text = written == null ? null : expand(key, written, Expansion.URL);
            if (text == null) {
                if (!failed(key)) {
                    error(key, "is required");
                }
                return null;
            }
            try {
                URI uri = new URI(text);
                String scheme = uri.getScheme();
                if (uri.isAbsolute()
                        && uri.getHost() != null
                        && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
                    return uri;
                }
            } catch (java.net.URISyntaxException ignored) {
                // reported below
            }
            error(
                    key,
                    "must be an absolute http or https URL ("
                            + (written.equals(text) ? "got '" : "from '")
                            + Subscription.redactText(written) + "')");
            return null;
        }

        /** A list of CIDRs, such as {@code [127.0.0.0/8, "::1/128"]}; each bad entry is reported. */
        List<Network> networks(String key) {
            List<String> texts = strings(key, List.of());
            var result = new ArrayList<Network>();
            for (int i = 0; i < texts.size(); i++) {
                try {
                    result.add(Network.parse(texts.get(i)));
                } catch (IllegalArgumentException e) {
                    error(key + "[" + i + "]", e.getMessage());
                }
            }
            return result;
        }

        List<EventFilter> filters(String key) {
            if (node.get(key) == null) {
                take(key);
                error(key, "is required: a non-empty list such as [\"person.*\", \"*.created\"]");
                return List.of();
            }
            List<String> patterns = strings(key, List.of());
            if (patterns.isEmpty() && !failed(key)) {
                error(key, "must not be empty");
            }
            var filters = new ArrayList<EventFilter>();
            for (int i = 0; i < patterns.size(); i++) {
                try {
                    filters.add(EventFilter.parse(patterns.get(i)));
                } catch (IllegalArgumentException e) {
                    error(key + "[" + i + "]", e.getMessage());
                }
            }
            return filters;
        }
    }
}
