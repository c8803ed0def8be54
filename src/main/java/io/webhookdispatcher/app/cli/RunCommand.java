package io.webhookdispatcher.app.cli;

import io.webhookdispatcher.config.DispatcherConfig;
import picocli.CommandLine.Command;

@Command(
        name = "run",
        description = "Runs until SIGTERM or SIGINT, then drains and exits. "
                + "Exit 0 after a graceful stop; 1 if the config is invalid or start-up fails.")
final class RunCommand extends ConfigCommand {
    RunCommand(Context context) {
        super(context);
    }

    @Override
    Warnings warnings() {
        return Warnings.LOGGED;
    }

    @Override
    int execute(DispatcherConfig loaded) {
        return context.backend().run(loaded, source(), context.err());
    }
}
