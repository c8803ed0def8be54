package io.webhookdispatcher.app;

import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import io.webhookdispatcher.config.Durations;
import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.retry.Replay;
import io.webhookdispatcher.retry.RetryPolicy;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * The command line: {@code run}, {@code validate-config} and {@code replay}, each with {@code --config FILE}.
 * Exit codes: 0 success, 1 invalid config or failed start, 2 usage error.
 */
public final class Main {
    private static final String FJ_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    static {
        // JDK 17 on <= 2 cores: the common pool has parallelism 1, so CompletableFuture's default async
        // executor becomes thread-per-task and the JDK HttpClient starts a thread per response. Must be
        // set before anything touches ForkJoinPool; an explicit -D wins.
        if (System.getProperty(FJ_PARALLELISM) == null) {
            System.setProperty(FJ_PARALLELISM, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
        // Choose the log format before the first logger exists.
        if ("json".equalsIgnoreCase(System.getenv("LOG_FORMAT")) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System::getenv, System.out, System.err));
    }

    static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return usage(err, "no command given");
        }
        String command = args[0];
        if (!command.equals("run") && !command.equals("validate-config") && !command.equals("replay")) {
            return usage(err, "unknown command '" + command + "'");
        }
        String configFile = option(args, "--config");
        if (configFile == null) {
            return usage(err, command + " needs --config FILE");
        }
        DispatcherConfig config;
        var loader = new ConfigLoader(env);
        try {
            config = loader.load(Path.of(configFile));
        } catch (ConfigException e) {
            err.println("invalid configuration:");
            e.errors().forEach(line -> err.println("  " + line));
            return 1;
        }
        switch (command) {
            case "validate-config":
                out.println(configFile + ": valid (" + config.subscriptions().size() + " subscriptions)");
                return 0;
            case "run":
                return runUntilSignalled(config, new Application.ConfigSource(Path.of(configFile), loader), err);
            case "replay":
                return replay(config, args, out, err);
            default:
                return usage(err, "unknown command '" + command + "'");
        }
    }

    private static int runUntilSignalled(DispatcherConfig config, Application.ConfigSource source, PrintStream err) {
        var app = new Application(config, Clock.systemUTC(), source);
        var stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try {
            app.start();
        } catch (Exception e) {
            err.println("cannot start: " + e.getMessage());
            app.close();
            return 1;
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.close();
        return 0;
    }

    private static int replay(DispatcherConfig config, String[] args, PrintStream out, PrintStream err) {
        Replay.Filter filter;
        try {
            filter = new Replay.Filter(
                    Optional.ofNullable(option(args, "--subscription")),
                    Optional.ofNullable(option(args, "--event")).map(EventFilter::parse),
                    Optional.ofNullable(option(args, "--reason")),
                    Optional.ofNullable(option(args, "--since")).map(Main::time),
                    Optional.ofNullable(option(args, "--until")).map(Main::time));
        } catch (RuntimeException e) {
            return usage(err, "replay: " + e.getMessage());
        }
        boolean dryRun = List.of(args).contains("--dry-run");
        var clients = new KafkaClients(config.kafka());
        var policy = new RetryPolicy(config.retry(), config.topics().retry(), () -> 0.5);
        try (var reader = clients.reader("webhook-dispatcher-replay");
             var producer = clients.producer("webhook-dispatcher-replay", config.delivery().maxEventBytes())) {
            Replay.Result result = new Replay(reader, producer, Clock.systemUTC(), out)
                    .run(config.topics().deadLetter(), policy.firstTopic(), filter, dryRun);
            out.printf("%s: scanned %d, matched %d, %s %d (%d not replayable: invalid input, not a delivery)%n",
                    config.topics().deadLetter(), result.scanned(), result.matched(),
                    dryRun ? "would re-publish" : "re-published", dryRun ? result.matched() : result.republished(),
                    result.notReplayable());
            return 0;
        } catch (Exception e) {
            err.println("replay failed: " + e);
            return 1;
        }
    }

    /** An ISO-8601 instant ({@code 2025-02-10T15:30:00Z}) or a duration ago ({@code 2h}). */
    private static Instant time(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            return Instant.now().minus(Durations.parse(text));
        }
    }

    private static String option(String[] args, String name) {
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return null;
    }

    private static int usage(PrintStream err, String problem) {
        err.println(problem);
        err.println("usage: java -jar webhook-dispatcher.jar run --config FILE");
        err.println("       java -jar webhook-dispatcher.jar validate-config --config FILE");
        err.println("       java -jar webhook-dispatcher.jar replay --config FILE [--subscription ID] [--event GLOB]");
        err.println("                [--reason R] [--since TIME] [--until TIME] [--dry-run]");
        return 2;
    }
}
