package io.webhookdispatcher.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;

@Command(
        name = "validate-config",
        description = "Checks the file and the environment variables it "
                + "references, and prints every error and warning. Exit 0 valid (warnings or not), 1 invalid.")
final class ValidateConfigCommand extends ConfigCommand {
    @Option(
            names = "--output",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text, or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
    Output output;

    ValidateConfigCommand(Context context) {
        super(context);
    }

    @Override
    Output output() {
        return output;
    }

    @Override
    Warnings warnings() {
        return Warnings.PRINTED;
    }

    @Override
    String verdict() {
        return "valid";
    }

    @Override
    int execute(DispatcherConfig loaded) {
        return execute(new ConfigLoader.Loaded(loaded, List.of()));
    }

    /** Valid, with its warnings: exit 0 all the same (a warning names something valid but probably not meant). */
    @Override
    int execute(ConfigLoader.Loaded loaded) {
        List<Subscription> subscriptions = loaded.config().subscriptions();
        if (output == Output.json) {
            ObjectNode json = header().put("valid", true);
            subscriptions.forEach(s -> json.withArray("subscriptions").add(s.id()));
            json.putArray("errors");
            loaded.warnings().forEach(json.putArray("warnings")::add);
            print(json);
        } else {
            context.out().println(config + ": valid (" + subscriptions.size() + " subscriptions)");
            loaded.warnings().forEach(w -> context.out().println("  warning: " + w));
        }
        return ExitCode.OK;
    }
}
