package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.ExpandedValues;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every command shares: {@code --config FILE}, loading it, and reporting in the command's output. A command
 * checks its options ({@link #checkUsage}), the file is loaded (an invalid one is reported here, exit 1), then the
 * command does its work on the config ({@link #execute}). In JSON output a result or a failure is one object on
 * stdout that starts with the command and the config file; in text a failure is a message on stderr.
 */
abstract class ConfigCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    final Context context;
    private final ConfigLoader loader;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML config file.")
    Path config;

    ConfigCommand(Context context) {
        this.context = context;
        this.loader = warnings() == Warnings.LOGGED
                ? new ConfigLoader(context.env())
                : new ConfigLoader(
                        context.env(),
                        warnings() == Warnings.STDERR ? w -> context.err().println("warning: " + w) : w -> {});
    }

    /** The format the command reports in: text, or its {@code --output}. */
    Output output() {
        return Output.text;
    }

    /** Where the config's warnings go. */
    enum Warnings {
        /** On stderr: stdout stays the command's result alone (one JSON object with {@code --output json}). */
        STDERR,
        /** Logged, as every other line of a running dispatcher (also on each reload). */
        LOGGED,
        /** Printed by the command itself, as part of its result ({@code validate-config}). */
        PRINTED
    }

    Warnings warnings() {
        return Warnings.STDERR;
    }

    /** The JSON field that says whether the command succeeded. */
    String verdict() {
        return "ok";
    }

    /** Rejects options that parse but do not go together: throws a {@code ParameterException} (exit 2). */
    void checkUsage() {}

    /** The command's work on the loaded config; returns the exit code. */
    abstract int execute(DispatcherConfig loaded);

    /** As {@link #execute(DispatcherConfig)}, with the config's warnings (already logged); most commands ignore them. */
    int execute(ConfigLoader.Loaded loaded) {
        return execute(loaded.config());
    }

    @Override
    public final Integer call() {
        checkUsage();
        ConfigLoader.Loaded loaded;
        try {
            loaded = loader.read(config);
        } catch (ConfigException e) {
            reportInvalid(e);
            return ExitCode.SOFTWARE;
        }
        return execute(loaded);
    }

    private void reportInvalid(ConfigException e) {
        if (output() == Output.json) {
            printFailure(e.errors());
        } else {
            context.err().println("invalid configuration:");
            e.errors().forEach(line -> context.err().println("  " + line));
        }
    }

    /** A command that loaded its config but could not do its work: the message, in the chosen output; exit 1. */
    int failed(String message) {
        message = ExpandedValues.mask(message); // it may quote an exception from a Kafka client built with them
        if (output() == Output.json) {
            printFailure(List.of(message));
        } else {
            context.err().println(message);
        }
        return ExitCode.SOFTWARE;
    }

    private void printFailure(List<String> errors) {
        ObjectNode json = header().put(verdict(), false);
        errors.forEach(json.putArray("errors")::add);
        print(json);
    }

    /** Where {@code run} watches for changes: this file, read again by the loader that read it first. */
    Application.ConfigSource source() {
        return new Application.ConfigSource(config, loader);
    }

    /** The start of every JSON result: the command and the config file. */
    ObjectNode header() {
        return JSON.createObjectNode().put("command", spec.name()).put("config", config.toString());
    }

    void print(ObjectNode json) {
        try {
            context.out().println(JSON.writeValueAsString(json));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
