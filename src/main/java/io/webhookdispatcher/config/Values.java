package io.webhookdispatcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.webhookdispatcher.dispatch.Network;
import io.webhookdispatcher.dispatch.RateLimit;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.EventType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How each type of value is read and validated: the readers {@link ConfigKey}s are declared with. Each takes the
 * mapping, the key and a fallback, reports a bad value under the key's path and returns the fallback for it.
 */
final class Values {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})\\s*(KiB|MiB|GiB)?");
    private static final String BROKER = "\\s*(\\[[0-9A-Fa-f:.]+]|[^\\s,:\\[\\]]+):\\d{1,5}\\s*";
    private static final Pattern BOOTSTRAP = Pattern.compile(BROKER + "(," + BROKER + ")*");
    private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Set<String> OFF = Set.of("off", "false", "never");

    private Values() {}

    static boolean bool(Node n, String key, boolean fallback) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        if (!text.equals("true") && !text.equals("false")) {
            n.error(key, "must be true or false (got '" + text + "')");
            return fallback;
        }
        return Boolean.parseBoolean(text);
    }

    /** A non-blank name, or empty (unset or blank: off). */
    static Optional<String> optionalString(Node n, String key, Optional<String> fallback) {
        return Optional.ofNullable(n.string(key, fallback.orElse(null))).filter(s -> !s.isBlank());
    }

    static int positiveInt(Node n, String key, int fallback) {
        return number(n, key, fallback, Integer::parseInt, i -> i > 0, "a positive whole number");
    }

    /** A Kafka replication factor: a positive {@code short}. */
    static short replicationFactor(Node n, String key, short fallback) {
        return number(n, key, fallback, Short::parseShort, s -> s > 0, "a whole number from 1 to 32767");
    }

    /** A TCP port; 0 picks a free one (tests, several dispatchers on one host). */
    static int port(Node n, String key, int fallback) {
        return number(n, key, fallback, Integer::parseInt, i -> i >= 0 && i <= 65535, "a port number, 0 to 65535");
    }

    static double fraction(Node n, String key, double fallback) {
        return number(n, key, fallback, Double::parseDouble, f -> f >= 0 && f <= 1, "a number from 0 to 1");
    }

    private static <N> N number(
            Node n, String key, N fallback, Function<String, N> parse, Predicate<N> valid, String expected) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        try {
            N value = parse.apply(text.trim());
            if (valid.test(value)) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        n.error(key, "must be " + expected + " (got '" + text + "')");
        return fallback;
    }

    /** A size in bytes: a whole number, or with a unit {@code KiB}, {@code MiB}, {@code GiB}. */
    static long size(Node n, String key, long fallback) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        OptionalLong size = parseSize(text);
        if (size.isPresent()) {
            return size.getAsLong();
        }
        n.error(key, "must be a positive size such as 1048576, 512KiB, 64MiB or 1GiB (got '" + text + "')");
        return fallback;
    }

    static OptionalLong parseSize(String text) {
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
                return OptionalLong.of(n << shift);
            }
        }
        return OptionalLong.empty();
    }

    /** One of {@code choices} by its label, such as {@code latest} or {@code earliest}. */
    static <E> E choice(Node n, String key, E fallback, Map<String, E> choices) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        E value = choices.get(text);
        if (value == null) {
            n.error(key, "must be " + ConfigKey.alternatives(List.copyOf(choices.keySet())) + " (got '" + text + "')");
            return fallback;
        }
        return value;
    }

    static Duration positiveDuration(Node n, String key, Duration fallback) {
        String text = n.string(key, null);
        return text == null ? fallback : parseDuration(n, key, text, fallback);
    }

    /** A positive duration, or {@code off} (YAML may read that as false) for none; {@code fallback} if absent. */
    static Optional<Duration> durationOrOff(Node n, String key, Optional<Duration> fallback) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        if (OFF.contains(text.trim().toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        return Optional.of(parseDuration(n, key, text, Duration.ofDays(5)));
    }

    /** The text as {@code off} or a duration; for defaults, which are declared as written. */
    static Optional<Duration> parseDurationOrOff(String text) {
        return OFF.contains(text) ? Optional.empty() : Optional.of(Durations.parse(text));
    }

    private static Duration parseDuration(Node n, String key, String text, Duration fallback) {
        try {
            Duration d = Durations.parse(text);
            if (!d.isZero()) {
                return d;
            }
            n.error(key, "must be longer than zero");
        } catch (IllegalArgumentException e) {
            n.error(key, e.getMessage());
        }
        return fallback;
    }

    static List<Duration> durations(Node n, String key, List<Duration> fallback) {
        JsonNode value = n.take(key);
        if (value == null) {
            return fallback;
        }
        List<String> texts = n.strings(key, List.of());
        var result = new ArrayList<Duration>();
        for (int i = 0; i < texts.size(); i++) {
            result.add(parseDuration(n, key + "[" + i + "]", texts.get(i), Duration.ofSeconds(1)));
        }
        return result;
    }

    static Set<Integer> statuses(Node n, String key, Set<Integer> fallback) {
        JsonNode value = n.take(key);
        if (value == null) {
            return fallback;
        }
        var result = new LinkedHashSet<Integer>();
        for (String text : n.strings(key, List.of())) {
            try {
                int status = Integer.parseInt(text.trim());
                if (status >= 100 && status <= 599) {
                    result.add(status);
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            n.error(key, "'" + text + "' is not an HTTP status code (100-599)");
        }
        return result;
    }

    /** {@code kafka.properties}: only Kafka's password keys and keys no client defines expand {@code ${…}}. */
    static Map<String, String> kafkaProperties(Node n, String key, Map<String, String> fallback) {
        JsonNode value = n.take(key);
        var result = new LinkedHashMap<String, String>(fallback);
        if (value == null) {
            return result;
        }
        if (!value.isObject()) {
            n.error(key, "must be a mapping of Kafka client property names to values");
            return result;
        }
        value.fields().forEachRemaining(e -> {
            String name = key + "." + e.getKey();
            if (!e.getValue().isValueNode()) {
                n.error(name, "must be a single value");
                return;
            }
            String written = e.getValue().asText();
            // Kafka logs the values of its other keys (the client config at INFO, errors), so only these.
            String text = KafkaClientSettings.isSecret(e.getKey())
                    ? n.expand(name, written, Expansion.KAFKA)
                    : n.literal(name, written) ? written : null;
            if (text != null) {
                result.put(e.getKey(), text);
            }
        });
        return result;
    }

    /** {@code kafka.bootstrapServers}: {@code host:port,…}, written out or as one {@code ${VAR}}. */
    static String bootstrapServers(Node n, String key, String fallback) {
        String written = n.scalar(key);
        if (written == null) {
            return fallback;
        }
        String text = n.expand(key, written, Expansion.WHOLE);
        if (text != null && !BOOTSTRAP.matcher(text).matches()) {
            // Quotes the file: a variable holding a secret, not brokers, must not be shown.
            n.error(key, "must be host:port pairs separated by commas (from '" + written + "')");
            return fallback;
        }
        return text == null ? fallback : text;
    }

    /** An absolute http or https URL; {@code ${VAR}} may begin it. Null after an error (required). */
    static URI url(Node n, String key, URI fallback) {
        String written = n.scalar(key);
        String text = written == null ? null : n.expand(key, written, Expansion.URL);
        if (text == null) {
            if (!n.failed(key)) {
                n.error(key, "is required");
            }
            return fallback;
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
        String quoted = (written.equals(text) ? "got '" : "from '") + Subscription.redactText(written) + "')";
        n.error(key, "must be an absolute http or https URL (" + quoted);
        return fallback;
    }

    /** An interface to bind: an IP literal or {@code localhost}; a name needing DNS is not worth a start-up risk. */
    static String address(Node n, String key, String fallback) {
        String text = n.string(key, fallback);
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
            n.error(key, "must be an IP address such as 0.0.0.0, 127.0.0.1 or :: (got '" + text + "')");
        }
        return fallback;
    }

    /** A list of CIDRs, such as {@code [127.0.0.0/8, "::1/128"]}; each bad entry is reported. */
    static List<Network> networks(Node n, String key, List<Network> fallback) {
        if (n.take(key) == null) {
            return fallback;
        }
        return each(n, key, n.strings(key, List.of()), Network::parse);
    }

    /** A required, non-empty list of event type filters. */
    static List<EventFilter> eventFilters(Node n, String key, List<EventFilter> fallback) {
        if (!n.has(key)) {
            n.take(key);
            n.error(key, "is required: a non-empty list such as [\"person.*\", \"*.created\"]");
            return fallback;
        }
        List<String> patterns = n.strings(key, List.of());
        if (patterns.isEmpty() && !n.failed(key)) {
            n.error(key, "must not be empty");
        }
        return each(n, key, patterns, EventFilter::parse);
    }

    /** A list of event types, such as {@code [workflowRun.updated]}; each bad entry is reported. */
    static List<EventType> eventTypes(Node n, String key, List<EventType> fallback) {
        if (n.take(key) == null) {
            return fallback;
        }
        return each(
                n,
                key,
                n.strings(key, List.of()),
                text -> EventType.parse(text)
                        .orElseThrow(
                                () -> new IllegalArgumentException(
                                        "'" + text
                                                + "' is not an event type such as workflowRun.updated or metadata.fieldMetadata.updated")));
    }

    /** Each text parsed; one that {@code parse} refuses is reported as {@code key[i]}, with its message. */
    private static <E> List<E> each(Node n, String key, List<String> texts, Function<String, E> parse) {
        var result = new ArrayList<E>();
        for (int i = 0; i < texts.size(); i++) {
            try {
                result.add(parse.apply(texts.get(i)));
            } catch (IllegalArgumentException e) {
                n.error(key + "[" + i + "]", e.getMessage());
            }
        }
        return result;
    }

    static Optional<RateLimit> rateLimit(Node n, String key, Optional<RateLimit> fallback) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        try {
            return Optional.of(RateLimit.parse(text));
        } catch (IllegalArgumentException e) {
            n.error(key, e.getMessage());
            return fallback;
        }
    }

    /** An RFC 6901 JSON pointer into an event, such as {@code /workspaceId} or {@code /record/workspaceId}. */
    static String jsonPointer(Node n, String key, String fallback) {
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        try {
            if (com.fasterxml.jackson.core.JsonPointer.compile(text).matches()) {
                n.error(key, "must point into the event, such as /workspaceId (the empty pointer is the whole event)");
                return fallback;
            }
        } catch (IllegalArgumentException e) {
            n.error(key, "is not a JSON pointer (RFC 6901), such as /workspaceId: " + e.getMessage());
            return fallback;
        }
        return text;
    }
}
