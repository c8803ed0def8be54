package io.webhookdispatcher.app.cli;

import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.attempts.AttemptQuery;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.ExpandedValues;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.operations.OperationRecord;
import io.webhookdispatcher.retry.Replay;
import io.webhookdispatcher.store.SubscriptionAdmin;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line's grammar and output (picocli): {@link RootCommand} and one class per command. Strict on purpose:
 * an unknown or mistyped option is a usage error, not ignored, because an ignored replay filter means replaying every
 * dead letter. Usage errors are detected before anything is loaded or sent. Exit codes: 0 success, 1 invalid config
 * or failed start/replay, 2 usage error.
 */
public final class Cli {
    /** What a parsed command does against the outside world; unit tests stop here, before Kafka. */
    public interface Backend {
        /** {@code run}: starts the dispatcher and blocks until SIGTERM or SIGINT; returns the exit code. */
        int run(DispatcherConfig config, Application.ConfigSource source, PrintStream err);

        /** {@code replay}: one pass over the dead-letter topic; {@code progress} gets a line per selected record. */
        Replay.Result replay(
                DispatcherConfig config, String retryTopic, Replay.Filter filter, boolean dryRun, PrintStream progress)
                throws Exception;

        /** {@code attempts}: one pass over the attempts topic from {@code filter.since()} to its end at start. */
        default AttemptQuery.Result attempts(
                DispatcherConfig config, String topic, AttemptQuery.Filter filter, int limit) throws Exception {
            throw new UnsupportedOperationException("attempts");
        }

        /**
         * {@code enable}: writes {@code subscription.enabled} for the subscription if the operations topic says it is
         * disabled (compare-and-set with the replicas); returns its state before.
         */
        default Enabled enable(DispatcherConfig config, String topic, Subscription subscription) throws Exception {
            throw new UnsupportedOperationException("enable");
        }

        /** {@code subscriptions}: {@code topics.subscriptions} read to its end, for reading and writing. */
        default SubscriptionAdmin subscriptions(DispatcherConfig config) throws Exception {
            throw new UnsupportedOperationException("subscriptions");
        }

        /** {@code subscriptions test}: one request signed and sent as the dispatcher sends a delivery. */
        default DeliveryOutcome test(DispatcherConfig config, Subscription subscription, String deliveryId, byte[] body)
                throws Exception {
            throw new UnsupportedOperationException("test");
        }
    }

    /** What {@code enable} found and did: {@code before} is the subscription's state, if it had one. */
    public record Enabled(boolean wrote, Optional<OperationRecord> before) {}

    private Cli() {}

    public static int execute(
            String[] args, Function<String, String> env, PrintStream out, PrintStream err, Backend backend) {
        var context = new Context(env, out, err, backend);
        var cli = new CommandLine(new RootCommand())
                .addSubcommand(new RunCommand(context))
                .addSubcommand(new ValidateConfigCommand(context))
                .addSubcommand(new ReplayCommand(context))
                .addSubcommand(new AttemptsCommand(context))
                .addSubcommand(new EnableCommand(context))
                .addSubcommand(new CommandLine(new SubscriptionsCommand())
                        .addSubcommand(new SubscriptionsListCommand(context))
                        .addSubcommand(new SubscriptionsGetCommand(context))
                        .addSubcommand(new SubscriptionsCreateCommand(context))
                        .addSubcommand(new SubscriptionsUpdateCommand(context))
                        .addSubcommand(new SubscriptionsDeleteCommand(context))
                        .addSubcommand("enable", new SubscriptionsEnableCommand(context, true))
                        .addSubcommand("disable", new SubscriptionsEnableCommand(context, false))
                        .addSubcommand(new SubscriptionsTestCommand(context)));
        // Set after the subcommands are added: picocli applies these to the hierarchy as it is now.
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setCaseInsensitiveEnumValuesAllowed(true); // --output JSON as well as json
        cli.setExpandAtFiles(false); // an argument starting with @ is a value, never a file of more arguments
        cli.setParameterExceptionHandler(Cli::usageError);
        cli.setExecutionExceptionHandler(Cli::failed);
        int exit = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        out.flush();
        err.flush();
        return exit;
    }

    /**
     * An exception a command did not handle: its messages, masked, instead of picocli's raw stack trace (an
     * exception from a Kafka client can quote an expanded setting; issue 20). Exit 1.
     */
    private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        command.getErr().println(command.getCommandName() + " failed: " + ExpandedValues.describe(e));
        return CommandLine.ExitCode.SOFTWARE;
    }

    /** The problem, a suggestion for a typo, the synopsis and where to read more: not the whole help. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        CommandLine.Help help = command.getHelp();
        err.print(help.synopsisHeading() + help.synopsis(help.synopsisHeadingLength()));
        err.printf(
                "Try '%s --help' for more information.%n",
                command.getCommandSpec().qualifiedName());
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
