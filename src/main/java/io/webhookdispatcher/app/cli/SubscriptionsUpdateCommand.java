package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
        name = "update",
        description = {
            "Changes the given keys of a subscription in topics.subscriptions; its id, and so its webhook-ids and"
                    + " waiting retries, stay. Validated as the config file's are.",
            "A secret rotation: --rotate-secret puts a generated secret first and keeps the old ones, so receivers"
                    + " verify with either (Standard Webhooks signs with each); once they have the new one,"
                    + " --drop-old-secrets."
        })
final class SubscriptionsUpdateCommand extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The subscription.")
    String id;

    @Mixin
    SpecOptions options;

    @Option(names = "--rotate-secret", description = "A generated secret first, the current ones kept; printed once.")
    boolean rotate;

    @Option(names = "--drop-old-secrets", description = "Keeps only the current (first) secret.")
    boolean dropOld;

    @Option(
            names = "--if-version",
            paramLabel = "N",
            description = "Only if the subscription is still at version N (as get showed it): refused otherwise.")
    Long ifVersion;

    SubscriptionsUpdateCommand(Context context) {
        super(context);
    }

    @Override
    void checkUsage() {
        if (rotate && (dropOld || options.secretFile != null)) {
            throw new ParameterException(
                    spec.commandLine(), "--rotate-secret goes with neither --drop-old-secrets nor --secret-file");
        }
    }

    @Override
    int execute(SubscriptionAdmin admin, SubscriptionEdits edits) {
        String generated = rotate ? SubscriptionEdits.newSecret(new SecureRandom()) : null;
        SubscriptionEdits.SpecChange change = spec -> {
            try {
                options.applyTo(spec);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (generated != null) {
                List<String> secrets = new ArrayList<>(List.of(generated));
                secrets.addAll(secrets(spec));
                SpecOptions.setSecrets(spec, secrets);
            } else if (dropOld) {
                SpecOptions.setSecrets(spec, secrets(spec).subList(0, 1));
            }
        };
        SubscriptionAdmin.Outcome outcome;
        try {
            outcome = admin.write(
                    id,
                    edits.update(
                            id,
                            change,
                            Optional.ofNullable(options.description),
                            ifVersion == null ? OptionalLong.empty() : OptionalLong.of(ifVersion)));
        } catch (UncheckedIOException e) {
            return failed(e.getCause().getMessage());
        }
        return report(outcome, written -> {
            if (output == Output.json) {
                ObjectNode json = header().put(verdict(), true);
                json.set("subscription", view(written, admin.schema(), edits.fileIds()));
                if (generated != null) {
                    json.put("secret", generated);
                }
                print(json);
            } else {
                context.out().printf("updated subscription %s (version %d)%n", id, written.version());
                if (generated != null) {
                    context.out().printf("new secret: %s%n(shown once; the old ones still sign)%n", generated);
                }
            }
        });
    }

    /** The open secrets of a spec, current first. */
    private static List<String> secrets(ObjectNode spec) {
        var out = new ArrayList<String>();
        JsonNode one = spec.get("secret");
        if (one != null) {
            out.add(one.asText());
        }
        spec.path("secrets").forEach(s -> out.add(s.asText()));
        return out;
    }
}
