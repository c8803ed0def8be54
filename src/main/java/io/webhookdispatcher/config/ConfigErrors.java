package io.webhookdispatcher.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The errors (and {@link #warn warnings}) one read of a config source found, each {@code <source>: <key path>: <message>}, and the environment
 * values it expanded, which no message may show: {@link #messages()} masks them. Collect every error, not just the
 * first, then {@link #throwIfAny()}.
 */
public final class ConfigErrors {
    /** Environment values shorter than this are not masked in messages: too short to be secrets, too common. */
    private static final int MASK_MIN_LENGTH = 4;

    private final String source;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<String> expanded = new HashSet<>();

    /** @param source what is read, as errors name it: a file name, or an API request */
    public ConfigErrors(String source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    public String source() {
        return source;
    }

    /** Reports a problem with the value at {@code keyPath}, such as {@code subscriptions[crm].url}. */
    void add(String keyPath, String message) {
        errors.add(source + ": " + keyPath + ": " + message);
    }

    /**
     * Reports something valid but probably not meant, such as a destination range that covers the cloud metadata
     * address: logged when the config is loaded and printed by {@code validate-config}, which still exits 0.
     */
    void warn(String keyPath, String message) {
        warnings.add(source + ": " + keyPath + ": " + message);
    }

    /** Every warning so far, masked. */
    public List<String> warnings() {
        return warnings.stream().map(this::mask).toList();
    }

    /** Remembers a value read from the environment, so that no message shows it. */
    void expanded(String value) {
        ExpandedValues.remember(value); // for whatever is built from it later: a Kafka client's exception, say
        if (value.length() >= MASK_MIN_LENGTH) {
            expanded.add(value);
        }
    }

    int count() {
        return errors.size();
    }

    /** {@code message} with every expanded environment value replaced by {@code ****}. */
    String mask(String message) {
        String masked = message;
        for (String value : expanded) {
            masked = masked.replace(value, "****");
        }
        return masked;
    }

    /** Every error so far, masked. */
    public List<String> messages() {
        return errors.stream().map(this::mask).toList();
    }

    public void throwIfAny() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(messages());
        }
    }
}
