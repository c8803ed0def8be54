package io.webhookdispatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    // delivery.maxInFlight of a run, unless it sets its own, and every run's maxInFlightPerSubscription.
    static final int MAX_IN_FLIGHT = 256;
    static final int MAX_IN_FLIGHT_PER_SUBSCRIPTION = 64;

    /** One subscription of a run: the receiver path it posts to, and its CEL {@code filter} (null: none). */
    record Subscription(String path, String filter) {}

    private final Process process;
    private final int managementPort;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private DispatcherProcess(Process process, int managementPort, Path log) {
        this.process = process;
        this.managementPort = managementPort;
        this.log = log;
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
                .append("subscriptions:\n");
        for (int i = 1; i <= subscriptions.size(); i++) {
            Subscription s = subscriptions.get(i - 1);
            yaml.append("  - {id: s")
                    .append(i)
                    .append(", url: '")
                    .append(receiver.url(s.path()))
                    .append("', secret: bench-secret-of-24-bytes-or-more-")
                    .append(i)
                    .append(", events: [\"*\"]")
                    .append(s.filter() == null ? "" : ", filter: '" + s.filter().replace("'", "''") + "'")
                    .append("}\n");
        }
        Path config = dir.resolve(name + ".yaml");
        Path log = dir.resolve(name + ".log");
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var command = new ArrayList<String>();
        command.add(jvm.java().toString());
        command.addAll(jvm.flags());
        command.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString()));
        Process p = children.start(
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()));
        return new DispatcherProcess(p, port, log);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Ready = the consumer joined its group and was assigned partitions ({@code /health/ready}). */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && alive()) {
            HttpResponse<String> ready = get("/health/ready");
            if (ready != null && ready.statusCode() == 200) {
                return;
            }
            Receiver.sleep(100);
        }
        throw new IllegalStateException("dispatcher not ready within " + timeout + " (see " + log + ")");
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
        HttpResponse<String> metrics = get("/metrics");
        if (metrics == null) {
            throw new IllegalStateException("no /metrics from the dispatcher (see " + log + ")");
        }
        return metrics.body();
    }

    /** The response, or null while nothing listens on the management port yet. */
    private HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                            .timeout(Duration.ofSeconds(10))
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
