package io.webhookdispatcher.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.attempts.AttemptQuery;
import io.webhookdispatcher.attempts.AttemptTable;
import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.Durations;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.operations.OperationRecord;
import io.webhookdispatcher.retry.Replay;
import io.webhookdispatcher.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line's grammar and output (picocli). Strict on purpose: an unknown or mistyped option is a
 * usage error, not ignored, because an ignored replay filter means replaying every dead letter. Usage
 * errors are detected before anything is loaded or sent. Exit codes: 0 success, 1 invalid config or failed
 * start/replay, 2 usage error.
 */
final class Cli {
    /** What a parsed command does against the outside world; unit tests stop here, before Kafka. */
    interface Backend {
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
    }

    /** What {@code enable} found and did: {@code before} is the subscription's state, if it had one. */
    record Enabled(boolean wrote, Optional<OperationRecord> before) {}

    /** Lower-case constants: picocli shows them as written in help and error messages. */
    enum Output {
        text,
        json
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Cli() {}

    static int execute(String[] args, Function<String, String> env, PrintStream out, PrintStream err, Backend backend) {
        var context = new Context(env, out, err, backend);
        var cli = new CommandLine(new Root())
                .addSubcommand(new RunCommand(context))
                .addSubcommand(new ValidateConfigCommand(context))
                .addSubcommand(new ReplayCommand(context))
                .addSubcommand(new AttemptsCommand(context))
                .addSubcommand(new EnableCommand(context));
        // Set after the subcommands are added: picocli applies these to the hierarchy as it is now.
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setCaseInsensitiveEnumValuesAllowed(true); // --output JSON as well as json
        cli.setExpandAtFiles(false); // an argument starting with @ is a value, never a file of more arguments
        cli.setParameterExceptionHandler(Cli::usageError);
        int exit = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        out.flush();
        err.flush();
        return exit;
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

    private record Context(Function<String, String> env, PrintStream out, PrintStream err, Backend backend) {
        /** The config, or empty after reporting its errors in the chosen output. */
        Optional<DispatcherConfig> load(ConfigLoader loader, Path file, String command, Output output) {
            try {
                return Optional.of(loader.load(file));
            } catch (ConfigException e) {
                if (output == Output.json) {
                    ObjectNode json =
                            header(command, file).put(command.equals("validate-config") ? "valid" : "ok", false);
                    e.errors().forEach(json.putArray("errors")::add);
                    print(json);
                } else {
                    err.println("invalid configuration:");
                    e.errors().forEach(line -> err.println("  " + line));
                }
                return Optional.empty();
            }
        }

        /** A command that loaded its config but could not do its work: the message, in the chosen output; exit 1. */
        int failed(String command, Path config, Output output, String message) {
            if (output == Output.json) {
                ObjectNode json = header(command, config).put("ok", false);
                json.putArray("errors").add(message);
                print(json);
            } else {
                err.println(message);
            }
            return ExitCode.SOFTWARE;
        }

        void print(ObjectNode json) {
            try {
                out.println(JSON.writeValueAsString(json));
            } catch (IOException e) {
                throw new IllegalStateException("cannot write JSON", e);
            }
        }
    }

    private static ObjectNode header(String command, Path config) {
        return JSON.createObjectNode().put("command", command).put("config", config.toString());
    }

    @Command(
            name = "java -jar webhook-dispatcher.jar",
            mixinStandardHelpOptions = true,
            scope = ScopeType.INHERIT,
            versionProvider = Version.class,
            subcommands = HelpCommand.class,
            description = "Delivers CRM events from Kafka as signed webhooks. Exit codes: 0 success, "
                    + "1 invalid config or failed start/replay, 2 usage error.")
    static final class Root implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "no command given");
        }
    }

    @Command(
            name = "run",
            description = "Runs until SIGTERM or SIGINT, then drains and exits. "
                    + "Exit 0 after a graceful stop; 1 if the config is invalid or start-up fails.")
    static final class RunCommand implements Callable<Integer> {
        private final Context context;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML config file.")
        Path config;

        RunCommand(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            var loader = new ConfigLoader(context.env());
            return context.load(loader, config, "run", Output.text)
                    .map(c -> context.backend().run(c, new Application.ConfigSource(config, loader), context.err()))
                    .orElse(ExitCode.SOFTWARE);
        }
    }

    @Command(
            name = "validate-config",
            description = "Checks the file and the environment variables it "
                    + "references, and prints every error. Exit 0 valid, 1 invalid.")
    static final class ValidateConfigCommand implements Callable<Integer> {
        private final Context context;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML config file.")
        Path config;

        @Option(
                names = "--output",
                paramLabel = "FORMAT",
                defaultValue = "text",
                description = "text, or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
        Output output;

        ValidateConfigCommand(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            Optional<DispatcherConfig> loaded =
                    context.load(new ConfigLoader(context.env()), config, "validate-config", output);
            if (loaded.isEmpty()) {
                return ExitCode.SOFTWARE;
            }
            List<Subscription> subscriptions = loaded.get().subscriptions();
            if (output == Output.json) {
                ObjectNode json = header("validate-config", config).put("valid", true);
                subscriptions.forEach(s -> json.withArray("subscriptions").add(s.id()));
                json.putArray("errors");
                context.print(json);
            } else {
                context.out().println(config + ": valid (" + subscriptions.size() + " subscriptions)");
            }
            return ExitCode.OK;
        }
    }

    @Command(
            name = "replay",
            description = {
                "Re-publishes dead letters to the first retry topic, due now, for a running dispatcher to deliver.",
                "Selects the records that match every given filter; with no filter, --all is required.",
                "Exit 0 done, 1 invalid config or failed, 2 usage error (nothing is replayed)."
            })
    static final class ReplayCommand implements Callable<Integer> {
        private final Context context;

        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML config file.")
        Path config;

        @Option(names = "--subscription", paramLabel = "ID", description = "Only this subscription's dead letters.")
        String subscription;

        @Option(
                names = "--event",
                paramLabel = "GLOB",
                converter = EventFilterConverter.class,
                description = "Only these event types: *, object.*, *.action or object.action.")
        EventFilter event;

        @Option(
                names = "--reason",
                paramLabel = "R",
                description = "Only this webhook.reason, e.g. retries-exhausted or permanent-failure.")
        String reason;

        @Option(
                names = "--since",
                paramLabel = "TIME",
                converter = TimeConverter.class,
                description = "Dead-lettered at or after TIME: an ISO-8601 instant or a duration ago (2h).")
        Instant since;

        @Option(
                names = "--until",
                paramLabel = "TIME",
                converter = TimeConverter.class,
                description = "Dead-lettered before TIME: an ISO-8601 instant or a duration ago (30m).")
        Instant until;

        @Option(names = "--all", description = "Replay every dead letter (required when no filter is given).")
        boolean all;

        @Option(names = "--dry-run", description = "Print what would be replayed; publish nothing.")
        boolean dryRun;

        @Option(
                names = "--output",
                paramLabel = "FORMAT",
                defaultValue = "text",
                description = "text, or json: the result as one JSON object on stdout, the per-record lines "
                        + "on stderr (${COMPLETION-CANDIDATES}).")
        Output output;

        ReplayCommand(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            boolean filtered =
                    Stream.of(subscription, event, reason, since, until).anyMatch(Objects::nonNull);
            if (!filtered && !all) {
                throw new ParameterException(
                        spec.commandLine(),
                        "replay needs a filter (--subscription, --event, "
                                + "--reason, --since, --until), or --all to replay every dead letter");
            }
            if (filtered && all) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--all replays every dead letter: " + "give it alone, or give filters without it");
            }
            Optional<DispatcherConfig> loaded = context.load(new ConfigLoader(context.env()), config, "replay", output);
            if (loaded.isEmpty()) {
                return ExitCode.SOFTWARE;
            }
            DispatcherConfig c = loaded.get();
            String retryTopic = new RetryPolicy(c.retry(), c.topics().retry(), () -> 0.5).firstTopic();
            var filter = new Replay.Filter(
                    Optional.ofNullable(subscription),
                    Optional.ofNullable(event),
                    Optional.ofNullable(reason),
                    Optional.ofNullable(since),
                    Optional.ofNullable(until));
            Replay.Result result;
            try {
                result = context.backend()
                        .replay(c, retryTopic, filter, dryRun, output == Output.json ? context.err() : context.out());
            } catch (Exception e) {
                return context.failed("replay", config, output, "replay failed: " + e);
            }
            if (output == Output.json) {
                context.print(json(c, retryTopic, result));
            } else {
                context.out()
                        .printf(
                                "%s: scanned %d, matched %d, %s %d (%d not replayable: invalid input, not a delivery)%n",
                                c.topics().deadLetter(),
                                result.scanned(),
                                result.matched(),
                                dryRun ? "would re-publish" : "re-published",
                                dryRun ? result.matched() : result.republished(),
                                result.notReplayable());
            }
            return ExitCode.OK;
        }

        private ObjectNode json(DispatcherConfig c, String retryTopic, Replay.Result result) {
            ObjectNode json = header("replay", config)
                    .put("ok", true)
                    .put("dryRun", dryRun)
                    .put("all", all);
            json.putObject("filter")
                    .put("subscription", subscription)
                    .put("event", event == null ? null : event.toString())
                    .put("reason", reason)
                    .put("since", since == null ? null : since.toString())
                    .put("until", until == null ? null : until.toString());
            return json.put("deadLetterTopic", c.topics().deadLetter())
                    .put("retryTopic", retryTopic)
                    .put("scanned", result.scanned())
                    .put("matched", result.matched())
                    .put("republished", result.republished())
                    .put("notReplayable", result.notReplayable());
        }
    }

    @Command(
            name = "attempts",
            description = {
                "Answers \"did subscription S get event K?\": prints the delivery log (topics.attempts), every attempt"
                        + " and decision that matches every given filter, oldest first.",
                "Reads from --since (default 24h ago) to the topic's end at start. Exit 0 done (also when nothing"
                        + " matched), 1 invalid config, no topics.attempts or failed, 2 usage error."
            })
    static final class AttemptsCommand implements Callable<Integer> {
        private final Context context;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML config file.")
        Path config;

        @Option(names = "--subscription", paramLabel = "ID", description = "Only this subscription's attempts.")
        String subscription;

        @Option(
                names = "--key",
                paramLabel = "KEY",
                description = "Only events with this record key (its text, or base64 for a key that is not UTF-8).")
        String key;

        @Option(names = "--delivery-id", paramLabel = "ID", description = "Only this delivery (the webhook-id).")
        String deliveryId;

        @Option(
                names = "--event",
                paramLabel = "GLOB",
                converter = EventFilterConverter.class,
                description = "Only these event types: *, object.*, *.action or object.action.")
        EventFilter event;

        @Option(
                names = "--outcome",
                paramLabel = "O",
                description = "Only this outcome: delivered, retry_scheduled, deferred, circuit_open, dead_lettered"
                        + " or rebalanced.")
        String outcome;

        @Option(
                names = "--since",
                paramLabel = "TIME",
                converter = TimeConverter.class,
                description = "Started at or after TIME: an ISO-8601 instant or a duration ago (default 24h).")
        Instant since;

        @Option(
                names = "--until",
                paramLabel = "TIME",
                converter = TimeConverter.class,
                description = "Started before TIME: an ISO-8601 instant or a duration ago (30m).")
        Instant until;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "1000",
                description = "Print at most N matches (the count says how many there were in all).")
        int limit;

        @Option(
                names = "--output",
                paramLabel = "FORMAT",
                defaultValue = "text",
                description = "text: a table; or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
        Output output;

        @Spec
        CommandSpec spec;

        AttemptsCommand(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            if (limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
            }
            Optional<DispatcherConfig> loaded =
                    context.load(new ConfigLoader(context.env()), config, "attempts", output);
            if (loaded.isEmpty()) {
                return ExitCode.SOFTWARE;
            }
            DispatcherConfig c = loaded.get();
            if (c.topics().attempts().isEmpty()) {
                return failed("topics.attempts is not set in " + config + ": there is no delivery log to read");
            }
            String topic = c.topics().attempts().get();
            var filter = new AttemptQuery.Filter(
                    Optional.ofNullable(subscription),
                    Optional.ofNullable(key),
                    Optional.ofNullable(deliveryId),
                    Optional.ofNullable(event),
                    Optional.ofNullable(outcome),
                    since != null ? since : Instant.now().minus(java.time.Duration.ofHours(24)),
                    Optional.ofNullable(until));
            AttemptQuery.Result result;
            try {
                result = context.backend().attempts(c, topic, filter, limit);
            } catch (Exception e) {
                return failed("attempts failed: " + e);
            }
            if (output == Output.json) {
                ObjectNode json = header("attempts", config)
                        .put("ok", true)
                        .put("topic", topic)
                        .put("since", filter.since().toString())
                        .put("scanned", result.scanned())
                        .put("matched", result.total());
                var list = json.putArray("attempts");
                result.matched().forEach(a -> list.add(JSON.valueToTree(a)));
                context.print(json);
            } else if (result.total() == 0) {
                context.out()
                        .printf(
                                "no attempts matched (%s since %s: scanned %d)%n",
                                topic, filter.since(), result.scanned());
            } else {
                AttemptTable.print(result.matched(), context.out());
                context.out()
                        .printf(
                                "%d attempts matched%s (%s since %s: scanned %d)%n",
                                result.total(),
                                result.total() > result.matched().size()
                                        ? ", showing the first "
                                                + result.matched().size()
                                        : "",
                                topic,
                                filter.since(),
                                result.scanned());
            }
            return ExitCode.OK;
        }

        private int failed(String message) {
            return context.failed("attempts", config, output, message);
        }
    }

    @Command(
            name = "enable",
            description = {
                "Enables a subscription the dispatcher disabled after its endpoint failed for autoDisableAfter: every"
                        + " replica sends to it again within a second. Its deliveries dead-lettered meanwhile"
                        + " (reason endpoint-disabled) stay there: replay them.",
                "Exit 0 done (also when it was not disabled), 1 invalid config, unknown subscription, no"
                        + " topics.operations or failed, 2 usage error."
            })
    static final class EnableCommand implements Callable<Integer> {
        private final Context context;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML config file.")
        Path config;

        @Option(names = "--subscription", required = true, paramLabel = "ID", description = "The subscription.")
        String subscription;

        @Option(
                names = "--output",
                paramLabel = "FORMAT",
                defaultValue = "text",
                description = "text, or json: one JSON object on stdout (${COMPLETION-CANDIDATES}).")
        Output output;

        EnableCommand(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            Optional<DispatcherConfig> loaded = context.load(new ConfigLoader(context.env()), config, "enable", output);
            if (loaded.isEmpty()) {
                return ExitCode.SOFTWARE;
            }
            DispatcherConfig c = loaded.get();
            if (c.topics().operations().isEmpty()) {
                return failed("topics.operations is not set in " + config + ": auto-disable is off, nothing to enable");
            }
            Optional<Subscription> found = c.subscriptions().stream()
                    .filter(s -> s.id().equals(subscription))
                    .findFirst();
            if (found.isEmpty()) {
                return failed("no subscription " + subscription + " in " + config);
            }
            String topic = c.topics().operations().get();
            Enabled result;
            try {
                result = context.backend().enable(c, topic, found.get());
            } catch (Exception e) {
                return failed("enable failed: " + e);
            }
            String was = result.before().map(OperationRecord::type).orElse("none");
            if (output == Output.json) {
                ObjectNode json = header("enable", config)
                        .put("ok", true)
                        .put("subscription", subscription)
                        .put("enabled", result.wrote())
                        .put("state", was);
                result.before().ifPresent(r -> json.set("before", JSON.valueToTree(r)));
                context.print(json);
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

        private int failed(String message) {
            return context.failed("enable", config, output, message);
        }
    }

    static final class EventFilterConverter implements ITypeConverter<EventFilter> {
        @Override
        public EventFilter convert(String value) {
            try {
                return EventFilter.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** An ISO-8601 instant ({@code 2025-02-10T15:30:00Z}) or a duration ago ({@code 2h}). */
    static final class TimeConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException notAnInstant) {
                try {
                    return Instant.now().minus(Durations.parse(value));
                } catch (RuntimeException e) {
                    throw new TypeConversionException("'" + value + "' is neither an ISO-8601 instant "
                            + "(2025-02-10T15:30:00Z) nor a duration such as 2h");
                }
            }
        }
    }

    /** {@code --version}: the version Maven filtered into webhook-dispatcher.properties. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            try (InputStream in = Cli.class.getResourceAsStream("/webhook-dispatcher.properties")) {
                var p = new Properties();
                if (in != null) {
                    p.load(in);
                }
                return new String[] {"webhook-dispatcher " + p.getProperty("version", "dev")};
            }
        }
    }
}
