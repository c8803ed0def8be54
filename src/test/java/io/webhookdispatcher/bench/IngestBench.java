package io.webhookdispatcher.bench;

import io.webhookdispatcher.testkit.CrmWebhook;
import io.webhookdispatcher.testkit.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ingest port's throughput and latency: {@code mvn -B -Pbench -Dbench.args="--ingest [--concurrency 16]
 * [--seconds 10] [--runs 3] [--size 1000] [--warm-up 20]"}. The real jar in a process of its own ({@code -Xmx256m}) with one ingest
 * source and a subscription that matches none of the events (so the dispatcher also consumes and parses each one, but
 * sends nothing), an embedded broker (topic of 6 partitions, replication 1) and the load generator in this JVM: CRM-shaped
 * record events of about {@code size} bytes over 1,000 record ids, each signed as the CRM signs, posted by
 * {@code concurrency} threads back to back over kept-alive connections. After a warm-up (20 s: the JIT), {@code runs} runs of
 * {@code seconds} each: requests per second answered 200, and the p50 and p99 of the request's round trip (which waits
 * for the broker's acks=all acknowledgement). Everything shares the machine's cores.
 */
final class IngestBench {
    private static final String SECRET = "bench-crm-webhook-secret-of-24-bytes-or-more";
    private static final String WORKSPACE = "3b8e6a4c-1f2d-4e5a-9b7c-0d1e2f3a4b5c";
    private static final String[] TYPES = {"person.created", "person.updated", "company.updated", "opportunity.deleted"
    };

    private IngestBench() {}

    static void main(String[] args) throws Exception {
        int concurrency = option(args, "--concurrency", 16);
        int seconds = option(args, "--seconds", 10);
        int runs = option(args, "--runs", 3);
        int size = option(args, "--size", 1000);
        int warmUp = option(args, "--warm-up", 20);
        Path jar = Path.of("target/webhook-dispatcher.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " not found: build it first (mvn package)");
        }
        Path dir = Files.createDirectories(Path.of("target", "bench", "ingest-" + System.currentTimeMillis()));
        System.out.printf(
                Locale.ROOT,
                "ingest bench: %d cores, load average %s, concurrency %d, %d x %d s, events of ~%d bytes%n",
                Runtime.getRuntime().availableProcessors(),
                loadAverage(),
                concurrency,
                runs,
                seconds,
                size);
        try (var broker = EmbeddedKafkaBroker.start()) {
            broker.createTopic("bench.events", 6);
            int port = freePort();
            Path config = Files.writeString(dir.resolve("dispatcher.yaml"), config(broker.bootstrapServers(), port));
            var builder = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-Xmx256m",
                            "-jar",
                            jar.toString(),
                            "run",
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dispatcher.log").toFile());
            builder.environment().put("CRM_WEBHOOK_SECRET", SECRET);
            Process dispatcher = builder.start();
            try {
                URI url = URI.create("http://127.0.0.1:" + port + "/ingest/crm");
                awaitPort(url, dispatcher);
                System.out.println("warm-up: " + measure(url, concurrency, warmUp, size));
                var results = new ArrayList<Run>();
                for (int i = 1; i <= runs; i++) {
                    Run run = measure(url, concurrency, seconds, size);
                    results.add(run);
                    System.out.printf(Locale.ROOT, "run %d: %s (load average %s)%n", i, run, loadAverage());
                }
                results.sort((a, b) -> Double.compare(a.perSecond, b.perSecond));
                System.out.println("median run: " + results.get(results.size() / 2));
            } finally {
                dispatcher.destroy();
                dispatcher.waitFor();
            }
        }
    }

    /** One measurement: 200s per second, latency percentiles of the 200s, and what else was answered. */
    record Run(double perSecond, double p50Millis, double p99Millis, int accepted, int other) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%.0f requests/s, p50 %.1f ms, p99 %.1f ms (%d accepted, %d other)",
                    perSecond,
                    p50Millis,
                    p99Millis,
                    accepted,
                    other);
        }
    }

    private static Run measure(URI url, int concurrency, int seconds, int size) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        var other = new AtomicInteger();
        var latencies = new ArrayList<long[]>();
        var threads = new ArrayList<Thread>();
        long start = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            long[][] mine = {new long[1 << 16]};
            int[] count = {0};
            var thread = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String record = "rec-" + ThreadLocalRandom.current().nextInt(1000);
                    String type = TYPES[ThreadLocalRandom.current().nextInt(TYPES.length)];
                    byte[] body = CrmWebhook.recordEvent(type, WORKSPACE, record, size);
                    long sent = System.nanoTime();
                    int status = post(client, url, body);
                    if (status == 200) {
                        if (count[0] == mine[0].length) {
                            mine[0] = Arrays.copyOf(mine[0], mine[0].length * 2);
                        }
                        mine[0][count[0]++] = System.nanoTime() - sent;
                    } else {
                        other.incrementAndGet();
                    }
                }
                synchronized (latencies) {
                    latencies.add(Arrays.copyOf(mine[0], count[0]));
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Run(all.length / elapsed, percentile(all, 0.50), percentile(all, 0.99), all.length, other.get());
    }

    private static int post(HttpClient client, URI url, byte[] body) {
        try {
            return client.send(
                            CrmWebhook.request(url, SECRET, System.currentTimeMillis(), body),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, q * sorted.length)] / 1e6;
    }

    private static String config(String bootstrap, int ingestPort) throws IOException {
        return """
                kafka: {bootstrapServers: "%s", groupId: bench-ingest-%s, startFrom: latest}
                topics: {events: bench.events, create: true, partitions: 6, replicationFactor: 1}
                management: {port: %d}
                ingest:
                  port: %d
                  address: 127.0.0.1
                  sources:
                    - id: crm
                      secret: ${CRM_WEBHOOK_SECRET}
                subscriptions:
                  - id: none
                    url: https://receiver.example/hook
                    secret: ${CRM_WEBHOOK_SECRET}
                    events: ["nothing.happened"]
                """.formatted(bootstrap, UUID.randomUUID(), freePort(), ingestPort);
    }

    private static void awaitPort(URI url, Process dispatcher) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline && dispatcher.isAlive()) {
            try {
                client.send(
                        java.net.http.HttpRequest.newBuilder(url).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (ConnectException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the ingest port did not open; see the dispatcher's log");
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static int option(String[] args, String name, int fallback) {
        List<String> list = List.of(args);
        int i = list.indexOf(name);
        return i >= 0 && i + 1 < list.size() ? Integer.parseInt(list.get(i + 1)) : fallback;
    }
}
