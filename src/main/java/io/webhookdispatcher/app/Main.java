package io.webhookdispatcher.app;

import io.webhookdispatcher.app.cli.Cli;
import io.webhookdispatcher.attempts.AttemptQuery;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.ExpandedValues;
import io.webhookdispatcher.config.KafkaClientSettings;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.operations.OperationRecord;
import io.webhookdispatcher.operations.OperationsTopic;
import io.webhookdispatcher.retry.Replay;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The entry point: {@code run}, {@code validate-config}, {@code replay}, {@code attempts} and {@code enable}, each
 * with {@code --config FILE} (the grammar is {@link Cli}, a class per command in {@code app.cli}). Exit codes: 0
 * success, 1 invalid config or failed start, 2 usage error.
 */
public final class Main {
    private static final String FJ_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
    private static final String RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";

    static {
        // JDK 17 on <= 2 cores: the common pool has parallelism 1, so CompletableFuture's default async
        // executor becomes thread-per-task and the JDK HttpClient starts a thread per response. Must be
        // set before anything touches ForkJoinPool; an explicit -D wins.
        if (System.getProperty(FJ_PARALLELISM) == null) {
            System.setProperty(
                    FJ_PARALLELISM,
                    String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
        // The sender pins plain-http requests to the address the destination guard checked and sends the URL's
        // Host header itself; the JDK client allows that header only with this property, read once when its
        // classes load. Kept: whatever else an explicit -D allows.
        String restricted = System.getProperty(RESTRICTED_HEADERS);
        if (restricted == null || restricted.isBlank()) {
            System.setProperty(RESTRICTED_HEADERS, "host");
        } else if (!List.of(restricted.toLowerCase(Locale.ROOT).split("\\s*,\\s*"))
                .contains("host")) {
            System.setProperty(RESTRICTED_HEADERS, restricted + ",host");
        }
        // Choose the log format before the first logger exists.
        if ("json".equalsIgnoreCase(System.getenv("LOG_FORMAT"))
                && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        disableKafkaConfigProvidersUnlessSet();
    }

    private Main() {}

    /**
     * Kafka instantiates any config provider a client config names unless this property lists the allowed
     * classes: {@code ${file:/etc/passwd:x}} in {@code kafka.properties} would read the pod's files. An explicit
     * {@code -D} wins (the operator's opt-in). Uses only compile-time constants, so no Kafka class loads here.
     */
    static void disableKafkaConfigProvidersUnlessSet() {
        if (System.getProperty(KafkaClientSettings.CONFIG_PROVIDERS_PROPERTY) == null) {
            System.setProperty(KafkaClientSettings.CONFIG_PROVIDERS_PROPERTY, KafkaClientSettings.NO_PROVIDERS);
        }
    }

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> uncaught(thread, error, System.err));
        System.exit(run(args, System::getenv, System.out, System.err));
    }

    /**
     * What the JVM prints for an exception no code caught, masked: its default would print the raw stack trace, and
     * an exception from a Kafka client can quote an expanded setting (issue 20).
     */
    static void uncaught(Thread thread, Throwable error, PrintStream err) {
        err.print("Exception in thread \"" + thread.getName() + "\" " + ExpandedValues.stackTrace(error));
        err.flush();
    }

    static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, out, err, new KafkaBackend());
    }

    /** As {@link #run(String[], Function, PrintStream, PrintStream)}, with what the parsed commands act on. */
    static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err, Cli.Backend backend) {
        return Cli.execute(args, env, out, err, backend);
    }

    /** The real thing: the dispatcher until a signal, and replay against the cluster. */
    private static final class KafkaBackend implements Cli.Backend {
        @Override
        public int run(DispatcherConfig config, Application.ConfigSource source, PrintStream err) {
            Application app = null;
            var stop = new CountDownLatch(1);
            Signals.onTermination(stop::countDown);
            try {
                // building it makes the Kafka clients, whose exceptions may quote an expanded setting: masked
                app = new Application(config, Clock.systemUTC(), source);
                app.start();
            } catch (Exception e) {
                err.println("cannot start: " + ExpandedValues.describe(e));
                if (app != null) {
                    app.close();
                }
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

        @Override
        public Replay.Result replay(
                DispatcherConfig config, String retryTopic, Replay.Filter filter, boolean dryRun, PrintStream progress)
                throws Exception {
            var clients = new KafkaClients(config.kafka());
            try (var reader = clients.reader("webhook-dispatcher-replay");
                    var producer = clients.producer(
                            "webhook-dispatcher-replay", config.delivery().maxEventBytes())) {
                return new Replay(reader, producer, Clock.systemUTC(), progress)
                        .run(config.topics().deadLetter(), retryTopic, filter, dryRun);
            }
        }

        @Override
        public Cli.Enabled enable(DispatcherConfig config, String topic, Subscription subscription) {
            var clients = new KafkaClients(config.kafka());
            try (var operations = new OperationsTopic(
                    clients.operationsReader("webhook-dispatcher-enable"),
                    clients::operationsProducer,
                    topic,
                    r -> {})) {
                var timeout = java.time.Duration.ofSeconds(30);
                operations.open(timeout);
                var before = operations.state(subscription.id());
                boolean wrote = operations.writeIf(
                        state -> state.map(OperationRecord::disabled).orElse(false),
                        OperationRecord.enabled(
                                subscription.id(), Instant.now(), subscription.endpointFingerprint(), "cli"),
                        timeout);
                return new Cli.Enabled(wrote, before);
            }
        }

        @Override
        public io.webhookdispatcher.store.SubscriptionAdmin subscriptions(DispatcherConfig config) {
            return StoreWiring.admin(config);
        }

        @Override
        public io.webhookdispatcher.dispatch.DeliveryOutcome test(
                DispatcherConfig config, Subscription subscription, String deliveryId, byte[] body) throws Exception {
            var delivery = config.delivery();
            try (var sender = new io.webhookdispatcher.http.JdkWebhookSender(
                    delivery.connectTimeout(),
                    delivery.requestTimeout(),
                    Clock.systemUTC(),
                    "webhook-dispatcher/" + Application.VERSION,
                    new io.webhookdispatcher.http.ResponseClassifier(
                            config.retry().permanentStatuses()),
                    delivery.destinations())) {
                return sender.endpoint(subscription)
                        .send(deliveryId, body)
                        .get(
                                delivery.connectTimeout()
                                                .plus(delivery.requestTimeout())
                                                .toSeconds()
                                        + 5,
                                java.util.concurrent.TimeUnit.SECONDS);
            }
        }

        @Override
        public AttemptQuery.Result attempts(
                DispatcherConfig config, String topic, AttemptQuery.Filter filter, int limit) {
            try (var reader = new KafkaClients(config.kafka()).reader("webhook-dispatcher-attempts-query")) {
                return new AttemptQuery(reader).run(topic, filter, limit);
            }
        }
    }
}
