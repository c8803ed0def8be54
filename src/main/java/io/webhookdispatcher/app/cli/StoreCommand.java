package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;

/**
 * What the {@code subscriptions} sub-commands share: {@code --output}, the topic opened through the backend, the
 * edits decided with the config file's ids, and how a stored subscription is shown: its keys and metadata, never a
 * secret (only how many it has).
 */
abstract class StoreCommand extends ConfigCommand {
    @Option(
            names = "--output",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text, or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
    Output output;

    /** The config the command runs with. */
    DispatcherConfig loaded;

    StoreCommand(Context context) {
        super(context);
    }

    @Override
    Output output() {
        return output;
    }

    /** The command's work on the opened topic; returns the exit code. */
    abstract int execute(SubscriptionAdmin admin, SubscriptionEdits edits);

    @Override
    final int execute(DispatcherConfig loaded) {
        this.loaded = loaded;
        if (loaded.topics().subscriptions().isEmpty()) {
            return failed("topics.subscriptions is not set in " + config + ": subscriptions are only the file's");
        }
        try (SubscriptionAdmin admin = context.backend().subscriptions(loaded)) {
            return execute(
                    admin,
                    new SubscriptionEdits(
                            admin.schema(),
                            Clock.systemUTC(),
                            loaded.subscriptions(),
                            loaded.tenancy().maxSubscriptionsPerWorkspace()));
        } catch (Exception e) {
            return failed(spec.name() + " failed: " + e);
        }
    }

    /** A write's outcome: the record written is {@code shown}; a refusal is reported, exit 1. */
    int report(SubscriptionAdmin.Outcome outcome, Shown shown) {
        if (outcome instanceof SubscriptionAdmin.Refusal refused) {
            if (output == Output.json) {
                ObjectNode json = header().put(verdict(), false)
                        .put("reason", refused.reason().reported().name());
                refused.messages().forEach(json.putArray("errors")::add);
                print(json);
            } else {
                context.err()
                        .println(spec.name() + " refused (" + refused.reason().reported() + "):");
                refused.messages().forEach(m -> context.err().println("  " + m));
            }
            return ExitCode.SOFTWARE;
        }
        shown.show(((SubscriptionAdmin.Written) outcome).record().orElse(null));
        return ExitCode.OK;
    }

    /** Shows what was written (null after a deletion). */
    @FunctionalInterface
    interface Shown {
        void show(StoredSubscription written);
    }

    /** A stored subscription without its secrets, with its metadata and whether this config can apply it. */
    static ObjectNode view(StoredSubscription s, StoredSchema schema, Set<String> fileIds) {
        return io.webhookdispatcher.store.SubscriptionView.of(s, schema, fileIds);
    }

    /** The URL fit for a table: scheme, host, port and at most a first path word ({@link Subscription#redact}). */
    static String shortUrl(JsonNode url) {
        return url.isTextual() ? Subscription.redactText(url.asText()) : "";
    }

    static String events(JsonNode events) {
        var names = new java.util.ArrayList<String>();
        events.forEach(e -> names.add(e.asText()));
        return String.join(",", names);
    }

    /** The columns of {@code list}, and {@code get}'s lines. */
    static final List<String> COLUMNS = List.of("ID", "WORKSPACE", "URL", "EVENTS", "ENABLED", "VERSION", "STATUS");

    static List<String> row(ObjectNode view) {
        return List.of(
                view.path("id").asText(),
                view.path("workspaceId").asText("-"),
                shortUrl(view.path("url")),
                events(view.path("events")),
                String.valueOf(view.path("enabled").asBoolean(true)),
                view.path("version").asText(),
                view.path("status").asText());
    }
}
