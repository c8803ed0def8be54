package io.webhookdispatcher.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The jar itself: {@code --help}, {@code --version} (inherited by every command), and a command to name. */
@Command(
        name = "java -jar webhook-dispatcher.jar",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = RootCommand.Version.class,
        subcommands = HelpCommand.class,
        description = "Delivers CRM events from Kafka as signed webhooks. Exit codes: 0 success, "
                + "1 invalid config or failed start/replay, 2 usage error.")
final class RootCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "no command given");
    }

    /** {@code --version}: the version Maven filtered into webhook-dispatcher.properties. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            try (InputStream in = Version.class.getResourceAsStream("/webhook-dispatcher.properties")) {
                var p = new Properties();
                if (in != null) {
                    p.load(in);
                }
                return new String[] {"webhook-dispatcher " + p.getProperty("version", "dev")};
            }
        }
    }
}
