package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.operations.OperationRecord;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.SubscriptionAdmin;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;

@Command(
        name = "enable",
        description = {
            "Enables a subscription (of the config file or topics.subscriptions) the dispatcher disabled after its"
                    + " endpoint failed for autoDisableAfter: every"
                    + " replica sends to it again within a second. Its deliveries dead-lettered meanwhile"
                    + " (reason endpoint-disabled) stay there: replay them.",
            "Exit 0 done (also when it was not disabled), 1 invalid config, unknown subscription, no"
                    + " topics.operations or failed, 2 usage error."
        })
final class EnableCommand extends ConfigCommand {
    @Option(names = "--subscription", required = true, paramLabel = "ID", description = "The subscription.")
    String subscription;

    @Option(
            names = "--output",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text, or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
    Output output;

    EnableCommand(Context context) {
        super(context);
    }

    @Override
    Output output() {
        return output;
    }

    @Override
    int execute(DispatcherConfig loaded) {
        if (loaded.topics().operations().isEmpty()) {
            return failed("topics.operations is not set in " + config + ": auto-disable is off, nothing to enable");
        }
        Optional<Subscription> found = loaded.subscriptions().stream()
                .filter(s -> s.id().equals(subscription))
                .findFirst();
        try {
            found = found.or(() -> stored(loaded));
        } catch (RuntimeException e) {
            return failed("enable failed reading topics.subscriptions: " + e);
        }
        if (found.isEmpty()) {
            return failed("no subscription " + subscription + " in " + config
                    + (loaded.topics().subscriptions().isPresent() ? " nor in topics.subscriptions" : ""));
        }
        String topic = loaded.topics().operations().get();
        Cli.Enabled result;
        try {
            result = context.backend().enable(loaded, topic, found.get());
        } catch (Exception e) {
            return failed("enable failed: " + e);
        }
        String was = result.before().map(OperationRecord::type).orElse("none");
        if (output == Output.json) {
            print(json(result, was));
        } else if (result.wrote()) {
            context.out()
                    .printf(
                            "enabled subscription %s%s; replay what it missed: replay --config %s"
                                    + " --subscription %s --reason endpoint-disabled%n",
                            subscription,
                            result.before()
                                    .filter(OperationRecord::disabled)
                                    .map(b -> " (disabled at " + b.at() + " after failing since " + b.since() + ")")
                                    .orElse(""),
                            config,
                            subscription);
        } else {
            context.out()
                    .printf(
                            "subscription %s is not disabled (its state on %s: %s); nothing written%n",
                            subscription, topic, was);
        }
        return ExitCode.OK;
    }

    /** The subscription as topics.subscriptions holds it, if it is there and usable (its fingerprint is needed). */
    private Optional<Subscription> stored(DispatcherConfig loaded) {
        if (loaded.topics().subscriptions().isEmpty()) {
            return Optional.empty();
        }
        try (SubscriptionAdmin admin = context.backend().subscriptions(loaded)) {
            return Optional.ofNullable(admin.records().get(subscription))
                    .map(admin.schema()::decode)
                    .filter(StoredSchema.Usable.class::isInstance)
                    .map(d -> ((StoredSchema.Usable) d).subscription());
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private ObjectNode json(Cli.Enabled result, String was) {
        ObjectNode json = header().put("ok", true)
                .put("subscription", subscription)
                .put("enabled", result.wrote())
                .put("state", was);
        result.before().ifPresent(r -> json.set("before", JSON.valueToTree(r)));
        return json;
    }
}
