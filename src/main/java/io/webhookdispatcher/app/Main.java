package io.webhookdispatcher.app;

import io.webhookdispatcher.config.ConfigException;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The command line: {@code run}, {@code validate-config}, each with {@code --config FILE}.
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
        if (!command.equals("run") && !command.equals("validate-config")) {
            return usage(err, "unknown command '" + command + "'");
        }
        String configFile = option(args, "--config");
        if (configFile == null) {
            return usage(err, command + " needs --config FILE");
        }
        DispatcherConfig config;
        try {
            config = new ConfigLoader(env).load(Path.of(configFile));
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
                return runUntilSignalled(config, err);
            default:
                return usage(err, "unknown command '" + command + "'");
        }
    }

    private static int runUntilSignalled(DispatcherConfig config, PrintStream err) {
        var app = new Application(config, Clock.systemUTC());
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
        return 2;
    }
}
