package io.webhookdispatcher.bench;

import io.webhookdispatcher.testkit.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark of docs/BENCHMARKS.md: {@code mvn -B -Pbench -DskipTests -Dbench.args="..."}.
 *
 * <p>One process tree on this machine: the broker runs in this JVM; the {@link LeanReceiver}, the real
 * dispatcher jar and the {@link RawHttpBaseline} each run as their own process. Rounds are interleaved
 * (every case once per round, for every JVM) so that drift on a shared machine spreads over all cases,
 * and each dispatcher case is compared with the baseline of its own round.
 *
 * <pre>
 * --events N            backlog per drain run (200000; the documented numbers use 200000)
 * --runs N              rounds (3)
 * --java PATH           a JVM for the dispatcher and baseline; repeatable (default: this JVM)
 * --fan-out N           subscriptions of a drain run; repeatable (default: 1 and 4)
 * --heap SIZE|default   -Xmx of the dispatcher and baseline (256m); "default" leaves the JVM's own
 * --jvm-opt FLAG        one more JVM flag for the dispatcher and baseline; repeatable
 * --size BYTES          event size (400)
 * --latency-rate R      events/s of the latency runs (default: half the JVM's median fan-out-1 rate)
 * --latency-seconds S   measured span of a latency run (30), after --latency-warmup S (30)
 * --no-latency, --no-baseline
 * --header-baseline     also the raw cases with the delivery contract's headers (RawHttpBaseline)
 * --warm-up N           each drain first delivers N events (and each baseline sends as many requests per
 *                       event) in the same process, and only what comes after is measured (0: a cold drain)
 * --fail-once           also a fan-out-1 drain where every delivery fails once (503), then succeeds
 * --isolation           also, per round and JVM, three drains of s1 (/hook1) next to a neighbour s2:
 *                       healthy (/hook2, the reference), dead (/dead1, never answers), slow (/slow1)
 * --slow-delay-ms N     how long the slow neighbour takes to answer (1000)
 * --features            also, per round and JVM, the features round: five drains back to back, each of the
 *                       same backlog of opportunity events: fan-out 1 (reference), 10 subscriptions with one
 *                       CEL filter each (one of them matches each event), fan-out 1 with topics.attempts,
 *                       fan-out 4 (reference), fan-out 4 with topics.attempts
 * --tenants             also, per round and JVM, the tenants round (issue #17), five drains of the same number
 *                       of deliveries: 2 unscoped subscriptions (reference), 10,000 workspace subscriptions
 *                       over 5,000 workspaces, 1 subscription with twice the events, 10 unscoped subscriptions
 *                       (reference), 10,000 unscoped subscriptions with wildcard patterns matching 1 in 1,000;
 *                       each also times validate-config and start to ready, and reads the live heap and scrape
 * --scale-deliveries N  deliveries per run of the tenants round (300000), a multiple of 10000
 * --scale-case NAME     only this case of the tenants round (tenants-reference, tenants, one-subscription,
 *                       wildcards-reference, wildcards); repeatable (default: all five)
 * --subscription-labels L   metrics.subscriptionLabels in the tenants round's configs (default: not set)
 * --no-drain            skip the fan-out drain cases (e.g. with --isolation alone; latency then needs
 *                       --latency-rate)
 * --run-timeout-minutes M   a run that takes longer fails the benchmark (10), except an isolation
 *                       run, which reports its rate as a bound; the whole benchmark is bounded by this
 *                       times the number of runs, plus 10 minutes
 * </pre>
 */
public final class Benchmark {
    private Benchmark() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--ingest")) { // the ingest port's own measurement: see IngestBench
            IngestBench.main(args);
            return;
        }
        Options o = Options.parse(args);
        Path dir =
                Path.of("target", "bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        Path jar = Path.of(o.jar);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " not found: build it first (mvn package)");
        }
        var flags = new ArrayList<String>();
        if (!o.heap.equals("default")) {
            flags.add("-Xmx" + o.heap);
        }
        flags.addAll(o.jvmOpts);
        List<Jvm> jvms = o.javas.stream().map(j -> Jvm.probe(Path.of(j), flags)).toList();
        String header = header(o, jvms, flags);
        System.out.println(header);

        int casesPerRound = 3
                + o.fanOuts.size()
                + (o.isolation ? Scenarios.Neighbour.values().length : 0)
                + (o.features ? Scenarios.Feature.values().length : 0)
                + (o.tenants ? o.scaleCases.size() : 0);
        watchdog(Duration.ofMinutes((long) o.runTimeoutMinutes * o.runs * casesPerRound * jvms.size() + 10));
        var results = new Results();
        int exitCode = 0;
        try (var children = new Children();
                var broker = EmbeddedKafkaBroker.start()) {
            Receiver receiver = Receiver.start(children, thisJava(), classpath(), dir.resolve("receiver.log"));
            var scenarios = new Scenarios(
                    children,
                    broker,
                    receiver,
                    jar,
                    dir,
                    classpath(),
                    o.size,
                    Duration.ofMinutes(o.runTimeoutMinutes),
                    Duration.ofMillis(o.slowDelayMillis),
                    o.warmUp);
            scenarios.subscriptionLabels(o.subscriptionLabels);
            for (int run = 1; run <= o.runs; run++) {
                for (Jvm jvm : jvms) {
                    for (int fanOut : o.drain ? o.fanOuts : List.<Integer>of()) {
                        progress(results, scenarios.drain(jvm, fanOut, o.events, run));
                    }
                    if (o.failOnce) {
                        progress(results, scenarios.drain(jvm, 1, o.events, run, true));
                    }
                    if (o.baseline) {
                        progress(results, scenarios.baseline(jvm, 64, o.events, 1, run, false));
                        progress(results, scenarios.baseline(jvm, 256, o.events, 4, run, false));
                    }
                    if (o.headerBaseline) {
                        progress(results, scenarios.baseline(jvm, 64, o.events, 1, run, true));
                        progress(results, scenarios.baseline(jvm, 256, o.events, 4, run, true));
                    }
                    for (Scenarios.Feature f : o.features ? Scenarios.Feature.values() : new Scenarios.Feature[0]) {
                        progress(results, scenarios.feature(jvm, f, o.events, run));
                    }
                    for (Scenarios.Scale c : o.tenants ? o.scaleCases : List.<Scenarios.Scale>of()) {
                        progress(results, scenarios.scale(jvm, c, o.scaleDeliveries, run));
                    }
                    for (Scenarios.Neighbour n :
                            o.isolation ? Scenarios.Neighbour.values() : new Scenarios.Neighbour[0]) {
                        progress(results, scenarios.isolation(jvm, n, o.events, run));
                    }
                }
            }
            for (Jvm jvm : o.latency ? jvms : List.<Jvm>of()) {
                double rate =
                        o.latencyRate > 0 ? o.latencyRate : results.medianRate(jvm.shortName(), Results.FAN_OUT_1) / 2;
                if (!(rate > 0)) {
                    throw new IllegalArgumentException("no fan-out-1 drain rate to halve: give --latency-rate");
                }
                for (int run = 1; run <= o.runs; run++) {
                    var l = scenarios.latency(
                            jvm,
                            rate,
                            Duration.ofSeconds(o.latencyWarmupSeconds),
                            Duration.ofSeconds(o.latencySeconds),
                            run);
                    results.add(l);
                    System.out.printf(
                            Locale.ROOT,
                            "  %s latency run %d at %.0f/s: p50 %.1f ms, p99 %.1f ms%n",
                            l.jvm(),
                            l.run(),
                            l.perSecond(),
                            l.p50Millis(),
                            l.p99Millis());
                }
            }
        } catch (RuntimeException e) {
            System.err.println("benchmark failed: " + e.getMessage() + " (logs in " + dir + ")");
            e.printStackTrace();
            exitCode = 1;
        }
        String report = header + "\n" + results.markdown();
        Files.writeString(dir.resolve("results.md"), report);
        System.out.println("\n" + report + "\n(written to " + dir.resolve("results.md") + ")");
        System.exit(exitCode); // exec:java would otherwise wait for the broker's non-daemon threads
    }

    /** The bound on the whole benchmark, whatever hangs: exiting runs the hook that stops every child. */
    private static void watchdog(Duration limit) {
        Thread t = new Thread(
                () -> {
                    try {
                        Thread.sleep(limit.toMillis());
                        System.err.println("benchmark did not finish within " + limit + "; stopping");
                        System.exit(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "bench-watchdog");
        t.setDaemon(true);
        t.start();
    }

    private static void progress(Results results, Results.Throughput t) {
        results.add(t);
        System.out.printf(
                Locale.ROOT,
                "  %s %-22s run %d: %,.0f req/s, %.1f CPU-µs/req, RSS %.0f MiB, other load %.2f cores %s%n",
                t.jvm(),
                t.scenario(),
                t.run(),
                t.perSecond(),
                t.cpuMicrosEach(),
                t.rssMib(),
                t.otherCores(),
                t.note());
    }

    private static void progress(Results results, Results.Scale c) {
        results.add(c);
        Results.Throughput t = c.t();
        System.out.printf(
                Locale.ROOT,
                "  %s %-42s run %d: %,.0f req/s, %.1f CPU-µs/req, ready %.2f s, first %.2f s, validate-config %.2f s,"
                        + " live heap %.1f MiB, /metrics %,d bytes %,d series, RSS %.0f MiB, other load %.2f cores %s%n",
                t.jvm(),
                t.scenario(),
                t.run(),
                t.perSecond(),
                t.cpuMicrosEach(),
                c.readySeconds(),
                t.startToFirstSeconds(),
                c.validateSeconds(),
                c.liveHeapBytes() / 1048576.0,
                c.scrapeBytes(),
                c.series(),
                t.rssMib(),
                t.otherCores(),
                t.note());
    }

    private static void progress(Results results, Results.Isolation i) {
        results.add(i);
        String rate = Double.isNaN(i.perSecond())
                ? "no healthy request"
                : i.timedOut()
                        ? String.format(
                                Locale.ROOT,
                                "timed out, < %,.0f req/s (%,.0f so far)",
                                i.perSecond(),
                                i.soFarPerSecond())
                        : String.format(Locale.ROOT, "%,.0f req/s", i.perSecond());
        System.out.printf(
                Locale.ROOT,
                "  %s isolation, %-14s run %d: healthy %s, %d of %d; neighbour %d requests, "
                        + "%d retry-topic writes, s2 %s; other load %.2f cores %s%n",
                i.jvm(),
                i.neighbour() + " neighbour",
                i.run(),
                rate,
                i.healthyRequests(),
                i.events(),
                i.neighbourRequests(),
                i.retryWrites(),
                i.neighbourOutcomes(),
                i.otherCores(),
                i.note());
    }

    private static String header(Options o, List<Jvm> jvms, List<String> flags) throws IOException {
        var h = new StringBuilder("## Benchmark run ")
                .append(LocalDateTime.now().withNano(0))
                .append("\n\n");
        h.append("- machine: ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs (")
                .append(cpuModel())
                .append("), ")
                .append(memTotal())
                .append(", Linux ")
                .append(System.getProperty("os.version"))
                .append(", CLK_TCK ")
                .append(Proc.clockTicksPerSecond())
                .append('\n');
        for (Jvm jvm : jvms) {
            h.append("- ")
                    .append(jvm.shortName())
                    .append(": ")
                    .append(jvm.label())
                    .append(" (")
                    .append(jvm.java())
                    .append(")\n");
        }
        h.append("- dispatcher and baseline JVM flags: ")
                .append(flags.isEmpty() ? "(none)" : String.join(" ", flags))
                .append('\n');
        h.append("- events per drain run: ")
                .append(o.events)
                .append(" of ~")
                .append(o.size)
                .append(" bytes, ")
                .append(Scenarios.PARTITIONS)
                .append(" partitions; rounds: ")
                .append(o.runs)
                .append('\n');
        if (o.warmUp > 0) {
            h.append("- warm-up: each drain first delivers ")
                    .append(o.warmUp)
                    .append(" events (each baseline sends as many requests per event) in the same process; only")
                    .append(" the deliveries after them are measured\n");
        }
        if (o.isolation) {
            h.append("- isolation: s1 at ")
                    .append(Scenarios.HEALTHY_PATH)
                    .append(" next to s2 at /hook2 (reference), /dead1 ")
                    .append("(never answers) or /slow1 (answers after ")
                    .append(o.slowDelayMillis)
                    .append(" ms); time limit ")
                    .append(o.runTimeoutMinutes)
                    .append(" min per run\n");
        }
        if (o.features) {
            h.append("- features: ")
                    .append(EventLoader.AMOUNT_BUCKETS)
                    .append(" filtered subscriptions (")
                    .append(EventLoader.bucketFilter(0))
                    .append(", ...; maxInFlight ")
                    .append(DispatcherProcess.MAX_IN_FLIGHT_PER_SUBSCRIPTION)
                    .append(
                            " in all) vs fan-out 1; the attempts topic at fan-out 1 and 4; opportunity.updated events\n");
        }
        if (o.tenants) {
            h.append("- tenants: ")
                    .append(o.scaleDeliveries)
                    .append(" deliveries per run: ")
                    .append(EventLoader.WORKSPACES)
                    .append(" workspaces × 2 subscriptions (")
                    .append(o.scaleDeliveries / 2)
                    .append(" events) vs 2 unscoped `*` (maxInFlight ")
                    .append(2 * DispatcherProcess.MAX_IN_FLIGHT_PER_SUBSCRIPTION)
                    .append(" in both) and vs 1 subscription (")
                    .append(o.scaleDeliveries)
                    .append(" events); 10,000 wildcard subscriptions (objectK.* and *.actionJ, 1 in ")
                    .append(EventLoader.WILDCARD_VALUES)
                    .append(" each; ")
                    .append(o.scaleDeliveries / 10)
                    .append(" events, fan-out 10) vs 10 unscoped `*`; one shared secret ${")
                    .append(DispatcherProcess.SECRET_VARIABLE)
                    .append("}\n");
            h.append("- tenants cases: ")
                    .append(o.scaleCases)
                    .append("; metrics.subscriptionLabels: ")
                    .append(o.subscriptionLabels == null ? "(the default)" : o.subscriptionLabels)
                    .append('\n');
        }
        return h.toString();
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst()
                .orElse("?");
    }

    private static String memTotal() throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB")
                .findFirst()
                .orElse("?");
    }

    private static Path thisJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** target/test-classes: the receiver and baseline need nothing else (JDK only, and SampleEvents). */
    private static String classpath() {
        try {
            return Path.of(LeanReceiver.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Options {
        int events = 200_000;
        int runs = 3;
        int size = 400;
        List<String> javas = new ArrayList<>();
        List<Integer> fanOuts = new ArrayList<>();
        String heap = "256m";
        List<String> jvmOpts = new ArrayList<>();
        String jar = "target/webhook-dispatcher.jar";
        double latencyRate;
        int latencySeconds = 30;
        int latencyWarmupSeconds = 30;
        boolean latency = true;
        boolean baseline = true;
        boolean headerBaseline;
        int warmUp;
        boolean failOnce;
        boolean isolation;
        boolean features;
        boolean tenants;
        List<Scenarios.Scale> scaleCases = new ArrayList<>();
        String subscriptionLabels;
        int scaleDeliveries = 300_000;
        long slowDelayMillis = 1000;
        boolean drain = true;
        int runTimeoutMinutes = 10;

        static Options parse(String[] args) {
            var o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--events" -> o.events = Integer.parseInt(args[++i]);
                    case "--runs" -> o.runs = Integer.parseInt(args[++i]);
                    case "--size" -> o.size = Integer.parseInt(args[++i]);
                    case "--java" -> o.javas.add(args[++i]);
                    case "--fan-out" -> o.fanOuts.add(Integer.parseInt(args[++i]));
                    case "--heap" -> o.heap = args[++i];
                    case "--jvm-opt" -> o.jvmOpts.add(args[++i]);
                    case "--jar" -> o.jar = args[++i];
                    case "--latency-rate" -> o.latencyRate = Double.parseDouble(args[++i]);
                    case "--latency-seconds" -> o.latencySeconds = Integer.parseInt(args[++i]);
                    case "--latency-warmup" -> o.latencyWarmupSeconds = Integer.parseInt(args[++i]);
                    case "--no-latency" -> o.latency = false;
                    case "--no-baseline" -> o.baseline = false;
                    case "--header-baseline" -> o.headerBaseline = true;
                    case "--warm-up" -> o.warmUp = Integer.parseInt(args[++i]);
                    case "--fail-once" -> o.failOnce = true;
                    case "--isolation" -> o.isolation = true;
                    case "--features" -> o.features = true;
                    case "--tenants" -> o.tenants = true;
                    case "--scale-deliveries" -> o.scaleDeliveries = Integer.parseInt(args[++i]);
                    case "--scale-case" ->
                        o.scaleCases.add(Scenarios.Scale.valueOf(
                                args[++i].toUpperCase(Locale.ROOT).replace('-', '_')));
                    case "--subscription-labels" -> o.subscriptionLabels = args[++i];
                    case "--slow-delay-ms" -> o.slowDelayMillis = Long.parseLong(args[++i]);
                    case "--no-drain" -> o.drain = false;
                    case "--run-timeout-minutes" -> o.runTimeoutMinutes = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + a + " (see Benchmark's Javadoc)");
                }
            }
            if (o.scaleCases.isEmpty()) {
                o.scaleCases.addAll(List.of(Scenarios.Scale.values()));
            }
            if (o.fanOuts.isEmpty()) {
                o.fanOuts.addAll(List.of(1, 4));
            }
            if (o.javas.isEmpty()) {
                o.javas.add(thisJava().toString());
            }
            if (!o.drain && o.latency && o.latencyRate <= 0) {
                throw new IllegalArgumentException(
                        "--no-drain leaves no fan-out-1 rate to halve: give --latency-rate or --no-latency");
            }
            if (o.warmUp < 0 || (o.warmUp > 0 && o.failOnce)) {
                throw new IllegalArgumentException("--warm-up must be >= 0, and cannot go with --fail-once");
            }
            if (o.scaleDeliveries <= 0 || o.scaleDeliveries % Scenarios.SCALE_DELIVERIES_STEP != 0) {
                throw new IllegalArgumentException(
                        "--scale-deliveries must be a positive multiple of " + Scenarios.SCALE_DELIVERIES_STEP);
            }
            if (o.slowDelayMillis < 0) {
                throw new IllegalArgumentException("--slow-delay-ms must be >= 0");
            }
            return o;
        }
    }
}
