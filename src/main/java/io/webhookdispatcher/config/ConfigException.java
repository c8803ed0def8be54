package io.webhookdispatcher.config;

import java.util.List;

/** The configuration is invalid; {@link #errors()} names the file, the entry and the field of each problem. */
public final class ConfigException extends Exception {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    public ConfigException(String error) {
        this(List.of(error));
    }

    public List<String> errors() {
        return errors;
    }
}
