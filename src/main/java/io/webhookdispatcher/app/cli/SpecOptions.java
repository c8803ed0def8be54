package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The subscription keys {@code create} and {@code update} take, each option one key of the config file's entries
 * (the schema checks them, with the file's errors). A secret is never an argument (it would show in the process
 * list and the shell's history): it is generated, or read from {@code --secret-file}.
 */
final class SpecOptions {
    @Option(names = "--url", paramLabel = "URL", description = "url: where to POST.")
    String url;

    @Option(
            names = "--event",
            paramLabel = "FILTER",
            split = ",",
            description = "events: event type filters, repeatable or comma-separated (person.*, *.created).")
    List<String> events;

    @Option(names = "--workspace", paramLabel = "ID", description = "workspaceId: only this workspace's events.")
    String workspace;

    @Option(names = "--filter", paramLabel = "CEL", description = "filter: a CEL expression over the event.")
    String filter;

    @Option(names = "--signature", paramLabel = "SCHEME", description = "signature: twenty, standard-webhooks, both.")
    String signature;

    @Option(names = "--max-in-flight", paramLabel = "N", description = "maxInFlight: concurrent requests.")
    Integer maxInFlight;

    @Option(names = "--rate-limit", paramLabel = "RATE", description = "rateLimit: 50/s, 600/m or 1000/h.")
    String rateLimit;

    @Option(names = "--description", paramLabel = "TEXT", description = "A note for operators (at most 500 chars).")
    String description;

    @Option(
            names = "--secret-file",
            paramLabel = "FILE",
            description = "A file of secrets, one per line, the current one first; default on create: generated.")
    Path secretFile;

    /** The given keys set in {@code spec}; the others left as they are. */
    void applyTo(ObjectNode spec) throws IOException {
        if (url != null) {
            spec.put("url", url);
        }
        if (events != null) {
            var list = spec.putArray("events");
            events.forEach(list::add);
        }
        put(spec, "workspaceId", workspace);
        put(spec, "filter", filter);
        put(spec, "signature", signature);
        put(spec, "rateLimit", rateLimit);
        if (maxInFlight != null) {
            spec.put("maxInFlight", maxInFlight);
        }
        if (secretFile != null) {
            setSecrets(spec, secrets(secretFile));
        }
    }

    /** {@code secrets} of one or more, current first; {@code secret} for one alone. */
    static void setSecrets(ObjectNode spec, List<String> secrets) {
        spec.remove("secret");
        spec.remove("secrets");
        if (secrets.size() == 1) {
            spec.put("secret", secrets.get(0));
        } else {
            secrets.forEach(spec.putArray("secrets")::add);
        }
    }

    private static void put(ObjectNode spec, String key, String value) {
        if (value != null) {
            spec.put(key, value);
        }
    }

    /** The file's non-blank lines, stripped; the message of a failure never quotes its content. */
    private static List<String> secrets(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        if (lines.isEmpty()) {
            throw new IOException(file + " holds no secret (one per line, the current one first)");
        }
        return lines;
    }
}
