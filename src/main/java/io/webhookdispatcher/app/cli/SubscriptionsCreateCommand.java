package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "create",
        description = "Creates a subscription in topics.subscriptions, validated as the config file's are; without"
                + " --secret-file a whsec_ secret is generated and printed once: store it now.")
final class SubscriptionsCreateCommand extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The new subscription's id.")
    String id;

    @Mixin
    SpecOptions options;

    @Option(names = "--disabled", description = "Created disabled: it gets nothing until enabled.")
    boolean disabled;

    SubscriptionsCreateCommand(Context context) {
        super(context);
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        ObjectNode spec = JSON.createObjectNode().put("id", id);
        String generated = null;
        try {
            options.applyTo(spec);
        } catch (IOException e) {
            return failed(e.getMessage());
        }
        if (!spec.has("secret") && !spec.has("secrets")) {
            generated = SubscriptionEdits.newSecret(new SecureRandom());
            SpecOptions.setSecrets(spec, List.of(generated));
        }
        if (disabled) {
            spec.put("enabled", false);
        }
        String secret = generated;
        String description = options.description == null ? "" : options.description;
        return report(admin.write(id, edits.create(spec, description)), written -> {
            if (output == Output.json) {
                ObjectNode json = header().put(verdict(), true);
                json.set("subscription", view(written, admin.schema(), edits.fileIds()));
                if (secret != null) {
                    json.put("secret", secret);
                }
                print(json);
            } else {
                context.out().printf("created subscription %s (version %d)%n", id, written.version());
                if (secret != null) {
                    context.out().printf("secret: %s%n(shown once: give it to the receiver now)%n", secret);
                }
            }
        });
    }
}
