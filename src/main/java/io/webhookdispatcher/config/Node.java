package io.webhookdispatcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of a config source at its key path ({@code delivery}, {@code subscriptions[crm]}): reads its values as
 * written, expands {@code ${…}} where a key's {@link Expansion} allows it, reports errors with the key path, and
 * remembers which keys were read so that the rest can be reported as unknown. {@link ConfigKey}s read through it.
 */
final class Node {
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private final ObjectNode node;
    private final String path;
    private final ConfigErrors errors;
    private final Function<String, String> env;
    private final Set<String> seen = new LinkedHashSet<>();
    private final Set<String> failed = new HashSet<>();

    Node(ObjectNode node, String path, ConfigErrors errors, Function<String, String> env) {
        this.node = Objects.requireNonNull(node, "node");
        this.path = path;
        this.errors = errors;
        this.env = env;
    }

    ConfigErrors errors() {
        return errors;
    }

    Function<String, String> env() {
        return env;
    }

    /** The key path of {@code key} in this mapping, such as {@code ingest.sources[crm]}. */
    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean failed(String key) {
        return failed.contains(key);
    }

    void error(String key, String message) {
        failed.add(key);
        errors.add(path.isEmpty() ? key : path + "." + key, message);
    }

    /** Reports something valid but probably not meant at {@code key} (see {@link ConfigErrors#warn}). */
    void warn(String key, String message) {
        errors.warn(path.isEmpty() ? key : path + "." + key, message);
    }

    /** The value of {@code key}, marked as read; null when absent or null. */
    JsonNode take(String key) {
        seen.add(key);
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    /** Whether the key is written, even as null; does not mark it read. */
    boolean has(String key) {
        return node.get(key) != null;
    }

    /** Whether the key holds a value other than null; does not mark it read. */
    boolean hasValue(String key) {
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    /** The mapping at {@code key}; an empty one when absent or, after reporting it, not a mapping. */
    Node section(String key) {
        JsonNode value = take(key);
        if (value != null && !value.isObject()) {
            error(key, "must be a mapping");
            value = null;
        }
        ObjectNode obj = value == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) value;
        return new Node(obj, path.isEmpty() ? key : path + "." + key, errors, env);
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

    /** The scalar's text as written; null when absent or not a scalar (reported). */
    String scalar(String key) {
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
    boolean literal(String key, String written) {
        if (!written.contains("${")) {
            return true;
        }
        error(key, "${…} is only expanded in " + Expansion.EXPANDED_IN + " (got '" + written + "')");
        return false;
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

    /** A list of scalars as written (never expanded); a missing key gives the fallback. */
    List<String> strings(String key, List<String> fallback) {
        JsonNode value = take(key);
        List<String> items = value == null ? null : items(key, value, written -> literal(key, written));
        return items == null ? fallback : items;
    }

    /** A list of scalars as written; empty when absent. */
    private List<String> scalars(String key) {
        JsonNode value = take(key);
        List<String> items = value == null ? null : items(key, value, written -> true);
        return items == null ? new ArrayList<>() : items;
    }

    /** The list's single values that {@code accept} takes (it reports the others); null when it is no list. */
    private List<String> items(String key, JsonNode value, Predicate<String> accept) {
        if (!value.isArray()) {
            error(key, "must be a list");
            return null;
        }
        var result = new ArrayList<String>();
        for (JsonNode item : value) {
            if (!item.isValueNode()) {
                error(key, "must be a list of single values");
            } else if (accept.test(item.asText())) {
                result.add(item.asText());
            }
        }
        return result;
    }

    /**
     * {@code written} with its references resolved, or null after reporting why not. Every value read from
     * the environment is remembered so that no message shows it.
     */
    String expand(String key, String written, Expansion where) {
        Matcher m = ENV_REF.matcher(written);
        var out = new StringBuilder();
        int references = 0;
        boolean ok = true;
        while (m.find()) {
            if (!where.allows(written, m.start(), m.end(), references++)) {
                error(key, where.rule + " (got '" + written + "')");
                return null;
            }
            String value = resolve(key, m);
            ok &= value != null;
            value = value == null ? "" : value;
            if (key.equals("properties." + JaasText.PROPERTY) && JaasText.insideQuotes(written, m.start())) {
                value = jaasQuoted(key, m.group(1), value);
                ok &= value != null;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
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

    /** The reference's value from the environment, else its default; null after reporting that neither is set. */
    private String resolve(String key, Matcher m) {
        String value = env.apply(m.group(1));
        if (value != null) {
            errors.expanded(value);
            return value;
        }
        if (m.group(2) == null) {
            error(key, "environment variable " + m.group(1) + " is not set");
        }
        return m.group(2);
    }

    /** A value inside a JAAS option's quotes, escaped; null after reporting a character no escaping can hold. */
    private String jaasQuoted(String key, String variable, String value) {
        if (JaasText.hasLineBreakOrControl(value)) { // ends a JAAS string whatever the escaping
            error(
                    key,
                    "the value of " + variable + " has a line break or another control character,"
                            + " which a JAAS option cannot hold (a Secret made with --from-file keeps the file's"
                            + " last newline; not shown)");
            return null;
        }
        return JaasText.escape(value); // a '"' in a password must not end the JAAS string
    }
}
