package io.webhookdispatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real dispatcher, {@code java -jar webhook-dispatcher.jar run --config FILE}, as its own process with
 * a config written for one run: its own group, which starts from the earliest offset of {@code topic}
 * ({@code startFrom: earliest}: the benchmark produces its backlog first),
 * and subscriptions {@code s1, s2, ...} to {@code *} on the same receiver, at different paths, each with an optional
 * payload filter; optionally the attempts topic ({@code topics.attempts}).
 */
final class DispatcherProcess {
    private static final Pattern DELIVERIES = Pattern.compile("^webhook_deliveries_total\\{(.*)} (\\S+)$");
    private static final Pattern OUTCOME = Pattern.compile("outcome=\"([a-z_]+)\"");
    private static final Pattern SUBSCRIPTION = Pattern.compile("subscription=\"([^\"]*)\"");
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    // delivery.maxInFlight of a run, unless it sets its own, and every run's maxInFlightPerSubscription.
    static final int MAX_IN_FLIGHT = 256;
    static final int MAX_IN_FLIGHT_PER_SUBSCRIPTION = 64;

    /** The environment variable that holds the one secret of runs with a {@link Config#sharedSecret shared secret}. */
    static final String SECRET_VARIABLE = "BENCH_SECRET";

    private static final String SHARED_SECRET = "bench-shared-secret-of-24-bytes-or-more";

    /**
     * One subscription of a run: its id, the receiver path it posts to (a query may follow, which the receiver does
     * not count apart), its CEL {@code filter} (null: none), its {@code workspaceId} (null: every workspace) and its
     * {@code events} patterns.
     */
    record Subscription(String id, String path, String filter, String workspaceId, List<String> events) {
        /** {@code events: ["*"]}, every workspace; its id is given by its place in the run ({@code s1, s2, ...}). */
        Subscription(String path, String filter) {
            this(null, path, filter, null, List.of("*"));
        }
    }

    /**
     * A run's config, written but not started: the file, the dispatcher's log, its management port, and whether
     * every subscription's secret is {@code ${BENCH_SECRET}} (set in the processes' environment) rather than its
     * own literal. {@link #start(Children, Jvm, Path, Config)} runs it; {@link #validate} checks it with the CLI.
     */
    record Config(Path file, Path log, int managementPort, boolean sharedSecret, int subscriptions) {
        void environment(ProcessBuilder builder) {
            if (sharedSecret) {
                builder.environment().put(SECRET_VARIABLE, SHARED_SECRET);
            }
        }
    }

    private final Process process;
    private final int managementPort;
    private final Path log;
    /** {@link System#nanoTime} just before the process was started. */
    private final long startedNanos;

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private DispatcherProcess(Process process, int managementPort, Path log, long startedNanos) {
        this.process = process;
        this.managementPort = managementPort;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /** {@code fanOut} subscriptions, at {@code /hook1} ... {@code /hookN}. */
    static DispatcherProcess start(
            Children children,
            Jvm jvm,
            Path jar,
            Path dir,
            String name,
            String bootstrap,
            String topic,
            int fanOut,
            Receiver receiver) {
        var paths = new ArrayList<String>();
        for (int i = 1; i <= fanOut; i++) {
            paths.add("/hook" + i);
        }
        return start(children, jvm, jar, dir, name, bootstrap, topic, paths, receiver);
    }

    /** One subscription per path: {@code s1} at the first path, {@code s2} at the second, and so on. */
    static DispatcherProcess start(
            Children children,
            Jvm jvm,
            Path jar,
            Path dir,
            String name,
            String bootstrap,
            String topic,
            List<String> paths,
            Receiver receiver) {
        return start(
                children,
                jvm,
                jar,
                dir,
                name,
                bootstrap,
                topic,
                paths.stream().map(p -> new Subscription(p, null)).toList(),
                null,
                MAX_IN_FLIGHT,
                receiver);
    }

    /**
     * {@code s1}, {@code s2}, ... as listed; {@code attemptsTopic} is {@code topics.attempts} (null: none),
     * {@code maxInFlight} is {@code delivery.maxInFlight}.
     */
    static DispatcherProcess start(
            Children children,
            Jvm jvm,
            Path jar,
            Path dir,
            String name,
            String bootstrap,
            String topic,
            List<Subscription> subscriptions,
            String attemptsTopic,
            int maxInFlight,
            Receiver receiver) {
        return start(
                children,
                jvm,
                jar,
                write(dir, name, bootstrap, topic, subscriptions, attemptsTopic, maxInFlight, receiver, false, null));
    }

    /**
     * Writes a run's config ({@code <name>.yaml}): subscriptions as listed, each with its {@code id} or else
     * {@code s1}, {@code s2}, ... by its place; {@code attemptsTopic} is {@code topics.attempts} (null: none),
     * {@code maxInFlight} is {@code delivery.maxInFlight}; with {@code sharedSecret} every subscription's secret is
     * {@code ${BENCH_SECRET}}, else its own literal; {@code subscriptionLabels} is {@code metrics.subscriptionLabels}
     * (null: not written, the default).
     */
    static Config write(
            Path dir,
            String name,
            String bootstrap,
            String topic,
            List<Subscription> subscriptions,
            String attemptsTopic,
            int maxInFlight,
            Receiver receiver,
            boolean sharedSecret,
            String subscriptionLabels) {
        int port = freePort();
        var yaml = new StringBuilder()
                .append("kafka: {bootstrapServers: '")
                .append(bootstrap)
                .append("', groupId: bench-")
                .append(name)
                .append(", startFrom: earliest, properties: {}}\n")
                .append("topics: {events: ")
                .append(topic)
                .append(", retry: ")
                .append(topic)
                .append(".retry, deadLetter: ")
                .append(topic)
                .append(".dlt, ")
                .append(attemptsTopic == null ? "" : "attempts: " + attemptsTopic + ", ")
                .append("create: true, partitions: 6, replicationFactor: 1}\n")
                .append("delivery: {requestTimeout: 10s, connectTimeout: 5s, maxInFlight: ")
                .append(maxInFlight)
                .append(", maxInFlightPerSubscription: ")
                .append(MAX_IN_FLIGHT_PER_SUBSCRIPTION)
                .append(", maxEventBytes: 1048576, ")
                .append("allowedNetworks: [127.0.0.0/8]}\n") // the receiver is on loopback
                .append("management: {port: ")
                .append(port)
                .append("}\n")
                .append("shutdown: {timeout: 20s}\n")
                .append(subscriptionLabels == null ? "" : "metrics: {subscriptionLabels: " + subscriptionLabels + "}\n")
                .append("subscriptions:\n");
        for (int i = 1; i <= subscriptions.size(); i++) {
            Subscription s = subscriptions.get(i - 1);
            yaml.append("  - {id: ")
                    .append(s.id() == null ? "s" + i : s.id())
                    .append(s.workspaceId() == null ? "" : ", workspaceId: '" + s.workspaceId() + "'")
                    .append(", url: '")
                    .append(receiver.url(s.path()))
                    .append(
                            sharedSecret
                                    ? "', secret: '${" + SECRET_VARIABLE + "}'"
                                    : "', secret: bench-secret-of-24-bytes-or-more-" + i)
                    .append(", events: [")
                    .append(String.join(
                            ", ", s.events().stream().map(e -> "\"" + e + "\"").toList()))
                    .append("]")
                    .append(s.filter() == null ? "" : ", filter: '" + s.filter().replace("'", "''") + "'")
                    .append("}\n");
        }
        Path config = dir.resolve(name + ".yaml");
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Config(config, dir.resolve(name + ".log"), port, sharedSecret, subscriptions.size());
    }

    /** The dispatcher on a written config: {@code java -jar webhook-dispatcher.jar run --config FILE}. */
    static DispatcherProcess start(Children children, Jvm jvm, Path jar, Config config) {
        var command = new ArrayList<String>();
        command.add(jvm.java().toString());
        command.addAll(jvm.flags());
        command.addAll(
                List.of("-jar", jar.toString(), "run", "--config", config.file().toString()));
        var builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(config.log().toFile());
        config.environment(builder);
        long startedNanos = System.nanoTime();
        Process p = children.start(builder);
        return new DispatcherProcess(p, config.managementPort(), config.log(), startedNanos);
    }

    /**
     * {@code java -jar webhook-dispatcher.jar validate-config --config FILE} on the dispatcher's JVM and flags: the
     * seconds from the process's start to its exit, JVM start-up included. Fails unless it exits 0 and prints
     * {@code valid (N subscriptions)} for the config's N.
     */
    static double validate(Children children, Jvm jvm, Path jar, Config config, Path log) {
        var command = new ArrayList<String>();
        command.add(jvm.java().toString());
        command.addAll(jvm.flags());
        command.addAll(List.of(
                "-jar",
                jar.toString(),
                "validate-config",
                "--config",
                config.file().toString()));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        config.environment(builder);
        long start = System.nanoTime();
        Process p = children.start(builder);
        try {
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                Children.stop(p, 5);
                throw new IllegalStateException("validate-config did not finish within 2 min (see " + log + ")");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String out = Files.readString(log);
            if (p.exitValue() != 0 || !out.contains("valid (" + config.subscriptions() + " subscriptions)")) {
                throw new IllegalStateException(
                        "validate-config exited " + p.exitValue() + " on " + config.file() + " (see " + log + ")");
            }
            return seconds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Ready = the consumer joined its group and was assigned partitions ({@code /health/ready}). */
    void awaitReady(Duration timeout) {
        awaitReady(timeout, 100);
    }

    private void awaitReady(Duration timeout, long pollMillis) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && alive()) {
            HttpResponse<String> ready = get("/health/ready");
            if (ready != null && ready.statusCode() == 200) {
                return;
            }
            Receiver.sleep(pollMillis);
        }
        throw new IllegalStateException("dispatcher not ready within " + timeout + " (see " + log + ")");
    }

    /**
     * Seconds from the process's start until {@code /health/ready} first answered 200, polled every 20 ms; fails if
     * it is not ready within {@code timeout}.
     */
    double secondsToReady(Duration timeout) {
        awaitReady(timeout, 20);
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /**
     * The whole {@code /metrics} scrape: its size in bytes (UTF-8, as sent) and its series (sample lines: neither
     * blank nor a {@code #} comment).
     */
    long[] scrapeSize() {
        String body = metrics();
        long series =
                body.lines().filter(l -> !l.isEmpty() && l.charAt(0) != '#').count();
        return new long[] {body.getBytes(StandardCharsets.UTF_8).length, series};
    }

    /**
     * The bytes of live objects on the heap: {@code jcmd PID GC.class_histogram} (the JDK's own {@code jcmd}, next to
     * its {@code java}) runs a full GC and then counts what is left; this is its {@code Total} line's bytes.
     */
    long liveHeapBytes(Jvm jvm) {
        Path jcmd = jvm.java().resolveSibling("jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), "GC.class_histogram")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(jcmd + " GC.class_histogram failed: " + out);
            }
            Matcher m = HISTOGRAM_TOTAL.matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("no Total line from " + jcmd + " GC.class_histogram: " + out);
            }
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long peakRssKib() {
        return Proc.peakRssKib(pid());
    }

    /** {@code webhook_deliveries_total} summed by outcome, from {@code /metrics}. */
    Map<String, Long> deliveriesByOutcome() {
        var result = new TreeMap<String, Long>();
        deliveriesBySubscription()
                .values()
                .forEach(byOutcome -> byOutcome.forEach((o, n) -> result.merge(o, n, Long::sum)));
        return result;
    }

    /**
     * {@code webhook_deliveries_total} by subscription, then by outcome (summed over event types), from
     * {@code /metrics}: whatever outcomes the dispatcher reports, e.g. {@code delivered, retry_scheduled,
     * dead_lettered}, or {@code deferred} once it has that.
     */
    Map<String, Map<String, Long>> deliveriesBySubscription() {
        var result = new TreeMap<String, Map<String, Long>>();
        for (String line : metrics().split("\n")) {
            Matcher m = DELIVERIES.matcher(line);
            if (m.matches()) {
                Matcher outcome = OUTCOME.matcher(m.group(1));
                Matcher subscription = SUBSCRIPTION.matcher(m.group(1));
                if (outcome.find()) {
                    result.computeIfAbsent(subscription.find() ? subscription.group(1) : "?", k -> new TreeMap<>())
                            .merge(outcome.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
                }
            }
        }
        return result;
    }

    /**
     * A counter from {@code /metrics}, summed by the value of {@code label} (all series under {@code ""} when
     * {@code label} is null); empty when the dispatcher does not report it.
     */
    Map<String, Long> counter(String metric, String label) {
        Pattern labelValue = label == null ? null : Pattern.compile(label + "=\"([^\"]*)\"");
        var result = new TreeMap<String, Long>();
        for (String line : metrics().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches() && m.group(1).equals(metric)) {
                Matcher v = labelValue == null || m.group(2) == null ? null : labelValue.matcher(m.group(2));
                String key = labelValue == null ? "" : v != null && v.find() ? v.group(1) : "?";
                result.merge(key, (long) Double.parseDouble(m.group(3)), Long::sum);
            }
        }
        return result;
    }

    /** SIGTERM, as Kubernetes would: it drains, commits and exits; SIGKILL if it takes over 40 s. */
    int stop() {
        return Children.stop(process, 40);
    }

    private String metrics() {
        HttpResponse<String> metrics = get("/metrics", Duration.ofSeconds(60)); // 10,000 subscriptions: tens of MB
        if (metrics == null) {
            throw new IllegalStateException("no /metrics from the dispatcher (see " + log + ")");
        }
        return metrics.body();
    }

    /** The response, or null while nothing listens on the management port yet. */
    private HttpResponse<String> get(String path) {
        return get(path, Duration.ofSeconds(10));
    }

    private HttpResponse<String> get(String path, Duration timeout) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                            .timeout(timeout)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
