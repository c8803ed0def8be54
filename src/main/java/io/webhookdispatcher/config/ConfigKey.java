package io.webhookdispatcher.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One key of the config file, declared once (as Kafka's {@code ConfigDef} and Strimzi's {@code ConfigParameter}
 * do): its name, type, default, how it is read and validated, and a one-line doc. The loader reads every value
 * through these declarations; docs/configuration.md's reference table and the chart's {@code values.schema.json} are tested
 * against them ({@code ConfigReferenceTest}). {@link ConfigKeys} holds the sections, {@link SubscriptionSchema} the
 * subscriptions' keys.
 *
 * @param <T> the value read
 */
public final class ConfigKey<T> {
    /** The documented default of a key that must be given. */
    public static final String REQUIRED = "required";
    /** The documented default of a key whose absence means nothing is set. */
    public static final String NONE = "none";

    /** What a value is written as, in the terms of the chart's JSON schema. */
    public enum Type {
        STRING,
        BOOLEAN,
        INTEGER,
        NUMBER,
        /** {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or {@code 1d}; some keys also take {@code off}. */
        DURATION,
        /** Bytes, or with a unit: {@code 512KiB}, {@code 64MiB}, {@code 1GiB}. */
        SIZE,
        LIST,
        MAPPING,
        /** A list of mappings whose keys are the {@link #fields()}: {@code subscriptions}. */
        LIST_OF_MAPPINGS
    }

    /** Reads the key from a mapping: the fallback when absent, and the fallback after reporting a bad value. */
    @FunctionalInterface
    interface Reader<T> {
        T read(Node node, String name, T fallback);
    }

    private final String name;
    private final Type type;
    private final T defaultValue;
    private final String defaultDoc;
    private final String doc;
    private final Reader<T> reader;
    private final List<String> allowed;
    private final Optional<Expansion> expansion;
    private final List<ConfigKey<?>> fields;
    private final Optional<String> inherits;

    private ConfigKey(Builder<T> b) {
        this.name = Objects.requireNonNull(b.name, "name");
        this.type = Objects.requireNonNull(b.type, "type");
        this.defaultValue = b.defaultValue;
        this.defaultDoc = Objects.requireNonNull(b.defaultDoc, "defaultDoc");
        this.doc = Objects.requireNonNull(b.doc, "doc");
        this.reader = b.reader;
        this.allowed = List.copyOf(b.allowed);
        this.expansion = Optional.ofNullable(b.expansion);
        this.fields = List.copyOf(b.fields);
        this.inherits = Optional.ofNullable(b.inherits);
    }

    /** The key's name in its mapping, such as {@code requestTimeout}. */
    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    /** The default as the reference table shows it: {@code `10s`}, {@value #REQUIRED}, {@value #NONE}, or prose. */
    public String defaultDoc() {
        return defaultDoc;
    }

    /** One line: what the key is for. */
    public String doc() {
        return doc;
    }

    /** The values it may take, when they are a fixed set ({@code latest}, {@code earliest}); else empty. */
    public List<String> allowed() {
        return allowed;
    }

    /** The keys of a mapping (or of each mapping in a list); empty for a single value. */
    public List<ConfigKey<?>> fields() {
        return fields;
    }

    /** The key whose value this one defaults to ({@code delivery.circuitBreaker}), if any. */
    public Optional<String> inherits() {
        return inherits;
    }

    /** The declared default; null when none is, or when it is inherited or computed at run time. */
    T defaultValue() {
        return defaultValue;
    }

    /** Where {@code ${…}} may stand in the value; empty: nowhere (a reference is an error). */
    Optional<Expansion> expansion() {
        return expansion;
    }

    public boolean required() {
        return defaultDoc.equals(REQUIRED);
    }

    /** The value in {@code node}, else the declared default. */
    T read(Node node) {
        return read(node, defaultValue);
    }

    /** The value in {@code node}, else {@code fallback}: a default inherited from another key or computed. */
    T read(Node node, T fallback) {
        if (reader == null) {
            throw new IllegalStateException(name + " is read by its own section's code");
        }
        return reader.read(node, name, fallback);
    }

    @Override
    public String toString() {
        return name + " (" + type + ", default " + defaultDoc + ")";
    }

    /** {@code a or b}, {@code a, b or c}: how messages and docs list alternatives. */
    static String alternatives(List<String> values) {
        int last = values.size() - 1;
        return last < 1
                ? String.join("", values)
                : String.join(", ", values.subList(0, last)) + " or " + values.get(last);
    }

    static <T> Builder<T> define(String name, Type type, Reader<T> reader) {
        return new Builder<>(name, type, reader);
    }

    static ConfigKey<String> string(String name, String defaultValue, String doc) {
        return define(name, Type.STRING, Node::string).defaultsTo(defaultValue).doc(doc);
    }

    static ConfigKey<Boolean> bool(String name, boolean defaultValue, String doc) {
        return define(name, Type.BOOLEAN, Values::bool).defaultsTo(defaultValue).doc(doc);
    }

    static ConfigKey<Integer> positiveInt(String name, int defaultValue, String doc) {
        return define(name, Type.INTEGER, Values::positiveInt)
                .defaultsTo(defaultValue)
                .doc(doc);
    }

    static ConfigKey<Double> fraction(String name, double defaultValue, String doc) {
        return define(name, Type.NUMBER, Values::fraction)
                .defaultsTo(defaultValue)
                .doc(doc);
    }

    /** A positive duration whose default is written as in the file, such as {@code 10s}. */
    static ConfigKey<Duration> duration(String name, String defaultText, String doc) {
        return define(name, Type.DURATION, Values::positiveDuration)
                .defaultsTo(Durations.parse(defaultText), defaultText)
                .doc(doc);
    }

    /** One of a fixed set of values, written as their labels ({@code latest}, {@code earliest}). */
    static <E> Builder<E> choice(String name, E[] values, Function<E, String> label) {
        var byLabel = new LinkedHashMap<String, E>();
        for (E value : values) {
            byLabel.put(label.apply(value), value);
        }
        Map<String, E> choices = Collections.unmodifiableMap(byLabel);
        return define(name, Type.STRING, (Node n, String key, E fallback) -> Values.choice(n, key, fallback, choices))
                .allowed(List.copyOf(choices.keySet()));
    }

    /** A mapping read field by field by its section's code (which reports its unknown keys). */
    static ConfigKey<Void> mapping(String name, String doc, List<ConfigKey<?>> fields) {
        return define(name, Type.MAPPING, (Reader<Void>) null)
                .fields(fields)
                .none()
                .doc(doc);
    }

    /** Declares a key step by step; {@link #doc} ends it. */
    static final class Builder<T> {
        private final String name;
        private final Type type;
        private final Reader<T> reader;
        private T defaultValue;
        private String defaultDoc;
        private String doc;
        private List<String> allowed = List.of();
        private Expansion expansion;
        private List<ConfigKey<?>> fields = List.of();
        private String inherits;

        private Builder(String name, Type type, Reader<T> reader) {
            this.name = name;
            this.type = type;
            this.reader = reader;
        }

        /** A default written as it is shown: {@code `value`}. */
        Builder<T> defaultsTo(T value) {
            return defaultsTo(value, String.valueOf(value));
        }

        /** A default, and how it is written in the file: {@code 16MiB}, {@code [5s, 5m]}. */
        Builder<T> defaultsTo(T value, String written) {
            this.defaultValue = value;
            this.defaultDoc = "`" + written + "`";
            return this;
        }

        /** A default that is no literal: {@value #REQUIRED}, {@value #NONE}, or prose on how it is worked out. */
        Builder<T> describedDefault(T value, String description) {
            this.defaultValue = value;
            this.defaultDoc = description;
            return this;
        }

        Builder<T> required() {
            return describedDefault(null, REQUIRED);
        }

        Builder<T> none() {
            return describedDefault(null, NONE);
        }

        /** Defaults to another key's value, such as {@code delivery.autoDisableAfter}. */
        Builder<T> inherits(String key) {
            this.inherits = key;
            return defaultsTo(null, key);
        }

        Builder<T> allowed(List<String> values) {
            this.allowed = values;
            return this;
        }

        Builder<T> expands(Expansion where) {
            this.expansion = where;
            return this;
        }

        Builder<T> fields(List<ConfigKey<?>> keys) {
            this.fields = keys;
            return this;
        }

        ConfigKey<T> doc(String text) {
            this.doc = text;
            return new ConfigKey<>(this);
        }
    }
}
