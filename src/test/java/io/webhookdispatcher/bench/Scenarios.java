package io.webhookdispatcher.bench;

import io.webhookdispatcher.testkit.EmbeddedKafkaBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The measurements, each one run on fresh topics and a fresh consumer group: a drain of a backlog, the
 * raw HttpClient baseline, latency at a fixed rate, isolation (a drain next to a bad neighbour), and the
 * features round (filters and the attempts topic, each next to its reference). Each
 * returns its numbers or throws; the processes it starts are stopped before it returns.
 */
final class Scenarios {
    static final int PARTITIONS = 6;
    /** The healthy subscription of an isolation run, whose drain is measured. */
    static final String HEALTHY_PATH = "/hook1";

    /** The other subscription of an isolation run, and the receiver path that makes it healthy, dead or slow. */
    enum Neighbour {
        HEALTHY("/hook2"),
        /** Reads the request, never answers: each attempt lasts the dispatcher's request timeout. */
        DEAD("/dead1"),
        /** Answers 200 after the receiver's slow delay. */
        SLOW("/slow1");

        final String path;

        Neighbour(String path) {
            this.path = path;
        }
    }

    /**
     * The features round (issue #11): what 10 filtered subscriptions and the attempts topic cost, each run next
     * to its reference, in this order, on the same backlog of {@link EventLoader#opportunity} events.
     */
    enum Feature {
        /** Fan-out 1, no filter, no attempts topic: the reference of {@link #FILTERS} and {@link #ATTEMPTS_1}. */
        FAN_OUT_1(Results.FEATURES_FAN_OUT_1, 1, false, false),
        /**
         * {@link EventLoader#AMOUNT_BUCKETS} subscriptions, each with {@link EventLoader#bucketFilter one bucket's
         * filter}: one delivery per event, as in the reference, after a full parse and 10 evaluations. The total
         * in flight is bounded like the reference's (one subscription's 64), so that the ratio is not the
         * concurrency's.
         */
        FILTERS(Results.FEATURES_FILTERS, EventLoader.AMOUNT_BUCKETS, true, false),
        ATTEMPTS_1(Results.FEATURES_ATTEMPTS_1, 1, false, true),
        /** Fan-out 4, no attempts topic: the reference of {@link #ATTEMPTS_4}. */
        FAN_OUT_4(Results.FEATURES_FAN_OUT_4, 4, false, false),
        ATTEMPTS_4(Results.FEATURES_ATTEMPTS_4, 4, false, true);

        final String scenario;
        final int subscriptions;
        final boolean filtered;
        final boolean attempts;

        Feature(String scenario, int subscriptions, boolean filtered, boolean attempts) {
            this.scenario = scenario;
            this.subscriptions = subscriptions;
            this.filtered = filtered;
            this.attempts = attempts;
        }

        long deliveries(int events) {
            return filtered ? events : (long) events * subscriptions;
        }
    }

    /**
     * The tenants round (issue #17, {@code --tenants}): many subscriptions against few, each pair on the same backlog
     * with the same deliveries, in this order. {@code D} is {@code --scale-deliveries}, a multiple of
     * {@link #SCALE_DELIVERIES_STEP}. Every run's subscriptions share one secret, {@code ${BENCH_SECRET}}.
     */
    enum Scale {
        /**
         * The reference of {@link #TENANTS}: two subscriptions {@code *} without a workspace, {@code /hook1} and
         * {@code /hook2}, on the same D/2 events: the same deliveries, the same fan-out per event (so the same
         * consumed records and parses per delivery) and the same bound on requests in flight (2 × 64).
         */
        TENANTS_REFERENCE(Results.SCALE_TENANTS_REFERENCE, 2, 2, 2 * DispatcherProcess.MAX_IN_FLIGHT_PER_SUBSCRIPTION),
        /**
         * {@link EventLoader#WORKSPACES} workspaces with two subscriptions each, {@code events: ["*"]} and
         * {@code ["person.*", "company.*", "note.*"]} (both match every event of the backlog), posting to
         * {@code /tenant?s=<id>}; D/2 events spread evenly over the workspaces: each goes to its workspace's two.
         */
        TENANTS(
                Results.SCALE_TENANTS,
                2 * EventLoader.WORKSPACES,
                2,
                2 * DispatcherProcess.MAX_IN_FLIGHT_PER_SUBSCRIPTION),
        /** The words: one subscription {@code *} taking all D deliveries, so D events (twice the records). */
        ONE_SUBSCRIPTION(Results.SCALE_ONE_SUBSCRIPTION, 1, 1, DispatcherProcess.MAX_IN_FLIGHT),
        /** The reference of {@link #WILDCARDS}: ten subscriptions {@code *}, D/10 events, fan-out 10. */
        WILDCARDS_REFERENCE(Results.SCALE_WILDCARDS_REFERENCE, 10, 10, DispatcherProcess.MAX_IN_FLIGHT),
        /**
         * 10,000 subscriptions without a workspace, each with one wildcard pattern that matches 1 event in
         * {@link EventLoader#WILDCARD_VALUES}: {@code objectK.*} (5,000, K = i % 1,000) and {@code *.actionJ} (5,000);
         * each of the D/10 events ({@link EventLoader#wildcardEvent}) matches 5 of each: fan-out 10, as the reference.
         */
        WILDCARDS(Results.SCALE_WILDCARDS, 10_000, 10, DispatcherProcess.MAX_IN_FLIGHT);

        final String scenario;
        final int subscriptions;
        /** Deliveries per event. */
        final int fanOut;

        final int maxInFlight;

        Scale(String scenario, int subscriptions, int fanOut, int maxInFlight) {
            this.scenario = scenario;
            this.subscriptions = subscriptions;
            this.fanOut = fanOut;
            this.maxInFlight = maxInFlight;
        }

        int events(int deliveries) {
            return deliveries / fanOut;
        }

        /** What each subscription gets of {@code events}: all of them, or its share. */
        long perSubscription(int events) {
            return (long) events * fanOut / subscriptions;
        }

        byte[] event(int i, int size) {
            return this == WILDCARDS || this == WILDCARDS_REFERENCE
                    ? EventLoader.wildcardEvent(i, size)
                    : EventLoader.workspaceEvent(i, size);
        }

        List<DispatcherProcess.Subscription> subscriptionList() {
            var list = new ArrayList<DispatcherProcess.Subscription>();
            switch (this) {
                case TENANTS -> {
                    for (int k = 0; k < EventLoader.WORKSPACES; k++) {
                        String w = EventLoader.workspace(k);
                        list.add(new DispatcherProcess.Subscription(
                                "w" + k + "-a", "/tenant?s=w" + k + "-a", null, w, List.of("*")));
                        list.add(new DispatcherProcess.Subscription(
                                "w" + k + "-b",
                                "/tenant?s=w" + k + "-b",
                                null,
                                w,
                                List.of("person.*", "company.*", "note.*")));
                    }
                }
                case WILDCARDS -> {
                    for (int i = 0; i < subscriptions / 2; i++) {
                        int k = i % EventLoader.WILDCARD_VALUES;
                        list.add(new DispatcherProcess.Subscription(
                                "o" + i, "/wild?s=o" + i, null, null, List.of("object" + k + ".*")));
                    }
                    for (int i = 0; i < subscriptions / 2; i++) {
                        int j = i % EventLoader.WILDCARD_VALUES;
                        list.add(new DispatcherProcess.Subscription(
                                "a" + i, "/wild?s=a" + i, null, null, List.of("*.action" + j)));
                    }
                }
                default -> {
                    for (int k = 1; k <= subscriptions; k++) {
                        list.add(new DispatcherProcess.Subscription("/hook" + k, null));
                    }
                }
            }
            return list;
        }
    }

    /** The {@code subscription} label of the workspace-scoped subscriptions ({@code metrics.subscriptionLabels: unscoped}). */
    static final String WORKSPACE_SUBSCRIPTIONS = "(workspaces)";
    /** The {@code subscription} label of every subscription with {@code metrics.subscriptionLabels: none}. */
    static final String ALL_SUBSCRIPTIONS = "(all)";
    /** Unscoped subscriptions beyond the first {@link #OWN_SERIES} share this label (the default, {@code unscoped}). */
    static final String OTHER_SUBSCRIPTIONS = "(others)";

    static final int OWN_SERIES = 100;

    /** {@code --scale-deliveries} must be a multiple of this: D/2 over 5,000 workspaces, D/10 over 1,000 values. */
    static final int SCALE_DELIVERIES_STEP = 10_000;

    private final Children children;
    private final EmbeddedKafkaBroker broker;
    private final Receiver receiver;
    private final Path jar;
    private final Path dir;
    private final String classpath;
    private final int bodyBytes;
    private final Duration runTimeout;
    private final Duration slowDelay;
    /** Events each drain delivers (and requests per event each baseline sends) before its measured span. */
    private final int warmUp;
    /** {@code metrics.subscriptionLabels} of the tenants round's runs; null: the default. */
    private String subscriptionLabels;

    private final double microsPerTick = 1e6 / Proc.clockTicksPerSecond();
    private final long driverPid = ProcessHandle.current().pid(); // this JVM, which hosts the broker
    private int sequence;

    Scenarios(
            Children children,
            EmbeddedKafkaBroker broker,
            Receiver receiver,
            Path jar,
            Path dir,
            String classpath,
            int bodyBytes,
            Duration runTimeout,
            Duration slowDelay,
            int warmUp) {
        this.warmUp = warmUp;
        this.children = children;
        this.broker = broker;
        this.receiver = receiver;
        this.jar = jar;
        this.dir = dir;
        this.classpath = classpath;
        this.bodyBytes = bodyBytes;
        this.runTimeout = runTimeout;
        this.slowDelay = slowDelay;
    }

    /**
     * {@code events} already in the topic (after the warm-up's, if any), then the dispatcher starts; done when every
     * delivery arrived. With a warm-up, the span is the deliveries after the warm-up's {@code warmUp × fanOut}.
     */
    Results.Throughput drain(Jvm jvm, int fanOut, int events, int run) {
        return drain(jvm, fanOut, events, run, false);
    }

    /**
     * With {@code failOnce}, the failure path: every delivery's first attempt gets a 503, so each goes
     * through the first retry topic (default 5 s step) and succeeds on attempt 2. The span runs from the
     * first request to the last success.
     */
    Results.Throughput drain(Jvm jvm, int fanOut, int events, int run, boolean failOnce) {
        String name = name(jvm, (failOnce ? "drain-failonce-fo" : "drain-fo") + fanOut, run);
        String topic = "bench." + name;
        broker.createTopic(topic, PARTITIONS);
        EventLoader.backlog(broker.bootstrapServers(), topic, PARTITIONS, warmUp + events, bodyBytes);
        long expect = (long) events * fanOut;
        long warmUpRequests = (long) warmUp * fanOut;
        long deadline = System.nanoTime() + runTimeout.toNanos();
        long startedMicros = LeanReceiver.wallMicros();
        DispatcherProcess d = DispatcherProcess.start(
                children, jvm, jar, dir, name, broker.bootstrapServers(), topic, fanOut, receiver);
        Map<String, String> s;
        double rss;
        Map<String, Long> outcomes;
        try {
            // Armed while the JVM boots: its first delivery is seconds away.
            receiver.arm(expect, warmUpRequests, List.of(d.pid(), driverPid), false, failOnce);
            s = receiver.await(expect, deadline, d::alive, name);
            rss = d.peakRssKib() / 1024.0;
            outcomes = d.deliveriesByOutcome();
        } finally {
            int exit = d.stop();
            if (exit != 0) {
                System.err.println(name + ": dispatcher exited with " + exit + " after SIGTERM (see its log)");
            }
            deleteTopics(topic);
        }
        return throughput(
                jvm,
                "dispatcher fan-out " + fanOut,
                run,
                expect,
                s,
                d.pid(),
                startedMicros,
                rss,
                note(outcomes, warmUpRequests + expect));
    }

    /** What went other than one delivered request per delivery: outcomes, and requests beyond that until now. */
    private String note(Map<String, Long> outcomes, long expect) {
        var other = new TreeMap<>(outcomes);
        other.remove("delivered");
        other.values().removeIf(n -> n == 0); // outcomes are reported at zero from the start
        Long deferred = other.remove("deferred");
        long duplicates = receiver.count() - expect; // requests beyond one per delivery, until it stopped
        return ((deferred == null ? "" : deferred + " deferrals on the way ")
                        + (other.isEmpty() ? "" : "not delivered: " + other + " ")
                        + (duplicates > 0 ? duplicates + " duplicate requests" : ""))
                .trim();
    }

    /**
     * One drain of the features round: {@code events} of {@link EventLoader#opportunity} already in the topic,
     * then the dispatcher starts with {@code feature}'s subscriptions (and attempts topic); done when every
     * delivery arrived. Then it checks that the feature did what it is measured for, and fails the run if not:
     * with filters, that each subscription got exactly its bucket's events (at the receiver and in
     * {@code webhook_deliveries_total}) and turned the rest away ({@code webhook_events_filtered_total}), with no
     * filter error; with the attempts topic, that records reached it (its end offsets, once they stop short of
     * the deliveries for 2 s or reach them), reported with {@code webhook_attempt_log_written_total} and
     * {@code webhook_attempt_log_failures_total}.
     */
    Results.Throughput feature(Jvm jvm, Feature feature, int events, int run) {
        String name =
                name(jvm, "feature-" + feature.name().toLowerCase(Locale.ROOT).replace('_', '-'), run);
        String topic = "bench." + name;
        String attemptsTopic = feature.attempts ? topic + ".attempts" : null;
        broker.createTopic(topic, PARTITIONS);
        if (attemptsTopic != null) {
            broker.createTopic(attemptsTopic, PARTITIONS);
        }
        EventLoader.backlog(
                broker.bootstrapServers(), topic, PARTITIONS, events, i -> EventLoader.opportunity(i, bodyBytes));
        var subscriptions = new ArrayList<DispatcherProcess.Subscription>();
        for (int k = 0; k < feature.subscriptions; k++) {
            subscriptions.add(new DispatcherProcess.Subscription(
                    "/hook" + (k + 1), feature.filtered ? EventLoader.bucketFilter(k) : null));
        }
        long expect = feature.deliveries(events);
        long deadline = System.nanoTime() + runTimeout.toNanos();
        long startedMicros = LeanReceiver.wallMicros();
        DispatcherProcess d = DispatcherProcess.start(
                children,
                jvm,
                jar,
                dir,
                name,
                broker.bootstrapServers(),
                topic,
                subscriptions,
                attemptsTopic,
                feature.filtered ? DispatcherProcess.MAX_IN_FLIGHT_PER_SUBSCRIPTION : DispatcherProcess.MAX_IN_FLIGHT,
                receiver);
        Map<String, String> s;
        double rss;
        String check;
        Map<String, Long> outcomes;
        try {
            receiver.arm(expect, List.of(d.pid(), driverPid), false);
            s = receiver.await(expect, deadline, d::alive, name);
            rss = d.peakRssKib() / 1024.0;
            check = feature.filtered
                    ? checkFilters(d, events, name)
                    : attemptsTopic != null ? checkAttempts(d, attemptsTopic, expect, name) : "";
            outcomes = d.deliveriesByOutcome();
        } finally {
            int exit = d.stop();
            if (exit != 0) {
                System.err.println(name + ": dispatcher exited with " + exit + " after SIGTERM (see its log)");
            }
            deleteTopics(topic);
        }
        String other = note(outcomes, expect);
        String note = check.isEmpty() ? other : other.isEmpty() ? check : check + "; " + other;
        return throughput(jvm, feature.scenario, run, expect, s, d.pid(), startedMicros, rss, note);
    }

    /**
     * Each of the filtered subscriptions {@code s1..s10} got exactly the events of its bucket, once, and turned
     * the others away; or the run fails. {@code webhook_deliveries_total} may trail the receiver by the last
     * answers, so it is awaited (10 s).
     */
    private String checkFilters(DispatcherProcess d, int events, String name) {
        int buckets = EventLoader.AMOUNT_BUCKETS;
        long[] expected = new long[buckets];
        for (int k = 0; k < buckets; k++) {
            expected[k] = events / buckets + (k < events % buckets ? 1 : 0);
        }
        Map<String, Map<String, Long>> bySubscription = d.deliveriesBySubscription();
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                delivered(bySubscription) < events && System.nanoTime() < until; ) {
            Receiver.sleep(100);
            bySubscription = d.deliveriesBySubscription();
        }
        Map<String, Long> turnedAway = d.counter("webhook_events_filtered_total", "subscription");
        long errors = d.counter("webhook_filter_errors_total", null).getOrDefault("", 0L);
        Map<String, String> received = receiver.counters();
        var problems = new ArrayList<String>();
        for (int k = 0; k < buckets; k++) {
            String id = "s" + (k + 1);
            long atReceiver = Long.parseLong(received.getOrDefault("path./hook" + (k + 1), "0"));
            long delivered = bySubscription.getOrDefault(id, Map.of()).getOrDefault("delivered", 0L);
            long away = turnedAway.getOrDefault(id, 0L);
            if (atReceiver != expected[k] || delivered != expected[k] || away != events - expected[k]) {
                problems.add(String.format(
                        Locale.ROOT,
                        "%s: %d requests, %d delivered, %d filtered out; expected %d, %d, %d",
                        id,
                        atReceiver,
                        delivered,
                        away,
                        expected[k],
                        expected[k],
                        events - expected[k]));
            }
        }
        long total = Long.parseLong(received.get("count"));
        if (total != events) {
            problems.add(total + " requests in all for " + events + " events");
        }
        if (errors != 0) {
            problems.add(errors + " filter errors");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(name + ": the " + buckets
                    + " filtered subscriptions did not get each event exactly once between them (see " + name
                    + ".log): " + String.join("; ", problems));
        }
        return String.format(
                Locale.ROOT,
                "checked: %s deliveries to each filtered subscription, each event filtered out by the other %d",
                expected[0] == expected[buckets - 1]
                        ? String.valueOf(expected[0])
                        : expected[buckets - 1] + "–" + expected[0],
                buckets - 1);
    }

    private static long delivered(Map<String, Map<String, Long>> bySubscription) {
        return bySubscription.values().stream()
                .mapToLong(o -> o.getOrDefault("delivered", 0L))
                .sum();
    }

    /**
     * The records on {@code attemptsTopic} (its end offsets: a new topic, no transactions), once they reach
     * {@code deliveries} (one {@code delivered} record each on a healthy drain) or stop growing for 2 s: the
     * writer is asynchronous. No record at all, or a lost one other than to a full queue, fails the run.
     */
    private String checkAttempts(DispatcherProcess d, String attemptsTopic, long deliveries, String name) {
        long records = 0;
        long since = System.nanoTime();
        for (long until = since + TimeUnit.SECONDS.toNanos(30); System.nanoTime() < until; Receiver.sleep(250)) {
            long now = endOffsets(List.of(attemptsTopic)).getOrDefault(attemptsTopic, 0L);
            if (now != records) {
                records = now;
                since = System.nanoTime();
            }
            if (records >= deliveries || System.nanoTime() - since > TimeUnit.SECONDS.toNanos(2)) {
                break;
            }
        }
        long written = d.counter("webhook_attempt_log_written_total", null).getOrDefault("", 0L);
        Map<String, Long> lost = d.counter("webhook_attempt_log_failures_total", "reason");
        lost.values().removeIf(n -> n == 0);
        if (records == 0 || lost.keySet().stream().anyMatch(r -> !r.equals("queue_full"))) {
            throw new IllegalStateException(name + ": the attempts topic " + attemptsTopic + " got " + records
                    + " records for " + deliveries + " deliveries (lost: " + lost + "; see " + name + ".log)");
        }
        return String.format(
                Locale.ROOT,
                "attempts topic: %d records for %d deliveries%s (written_total %d%s)",
                records,
                deliveries,
                records < deliveries ? " (**short**)" : "",
                written,
                lost.isEmpty() ? "" : ", lost " + lost);
    }

    /**
     * One run of the tenants round: {@code scale}'s events for {@code deliveries} in a fresh topic; its config is
     * written and checked with {@code validate-config} (timed: JVM start to exit), then the dispatcher starts, and
     * the driver polls {@code /health/ready} (start to first 200) while the receiver waits for every delivery. After
     * the last one it checks that each subscription got exactly its share ({@code webhook_deliveries_total}
     * {@code delivered} by subscription, awaited up to 10 s, nothing else reported) and the receiver got exactly the
     * deliveries, or fails the run; then it reads the {@code /metrics} scrape's size and series, and the live heap
     * after a full GC ({@code jcmd GC.class_histogram}), before stopping the dispatcher.
     */
    /** Sets {@code metrics.subscriptionLabels} in the tenants round's configs (null: not set, the default). */
    void subscriptionLabels(String labels) {
        this.subscriptionLabels = labels;
    }

    Results.Scale scale(Jvm jvm, Scale scale, int deliveries, int run) {
        String name = name(jvm, "scale-" + scale.name().toLowerCase(Locale.ROOT).replace('_', '-'), run);
        String topic = "bench." + name;
        int events = scale.events(deliveries);
        broker.createTopic(topic, PARTITIONS);
        EventLoader.backlog(broker.bootstrapServers(), topic, PARTITIONS, events, i -> scale.event(i, bodyBytes));
        List<DispatcherProcess.Subscription> subscriptions = scale.subscriptionList();
        DispatcherProcess.Config config = DispatcherProcess.write(
                dir,
                name,
                broker.bootstrapServers(),
                topic,
                subscriptions,
                null,
                scale.maxInFlight,
                receiver,
                true,
                subscriptionLabels);
        double validateSeconds =
                DispatcherProcess.validate(children, jvm, jar, config, dir.resolve(name + ".validate.log"));
        long expect = (long) events * scale.fanOut;
        long deadline = System.nanoTime() + runTimeout.toNanos();
        long startedMicros = LeanReceiver.wallMicros();
        DispatcherProcess d = DispatcherProcess.start(children, jvm, jar, config);
        Map<String, String> s;
        double rss;
        double readySeconds;
        String check;
        long[] scrape;
        long heap;
        Map<String, Long> outcomes = new TreeMap<>();
        try {
            receiver.arm(expect, List.of(d.pid(), driverPid), false);
            readySeconds = d.secondsToReady(Duration.ofMinutes(2));
            s = receiver.await(expect, deadline, d::alive, name);
            rss = d.peakRssKib() / 1024.0;
            Map<String, Map<String, Long>> bySubscription;
            try {
                bySubscription = checkShares(d, scale, subscriptions, events, expect, name);
            } catch (NoMetrics e) {
                bySubscription = null;
            }
            if (bySubscription != null) {
                bySubscription
                        .values()
                        .forEach(byOutcome -> byOutcome.forEach((o, n) -> outcomes.merge(o, n, Long::sum)));
            }
            String shared = bySubscription != null && bySubscription.containsKey(ALL_SUBSCRIPTIONS)
                    ? ALL_SUBSCRIPTIONS
                    : WORKSPACE_SUBSCRIPTIONS;
            check = bySubscription == null
                    ? checkTotal(expect, name)
                    : bySubscription.containsKey(shared)
                            ? String.format(
                                    Locale.ROOT,
                                    "checked: delivered %,d under subscription=\"%s\" (%,d × %,d)",
                                    expect,
                                    shared,
                                    subscriptions.size(),
                                    scale.perSubscription(events))
                            : String.format(
                                    Locale.ROOT,
                                    "checked: each of %,d subscriptions got its %,d",
                                    subscriptions.size(),
                                    scale.perSubscription(events));
            scrape = bySubscription == null ? new long[] {-1, -1} : scrapeOrNone(d);
            heap = d.liveHeapBytes(jvm);
        } finally {
            int exit = d.stop();
            if (exit != 0) {
                System.err.println(name + ": dispatcher exited with " + exit + " after SIGTERM (see its log)");
            }
            deleteTopics(topic);
        }
        String other = note(outcomes, expect);
        Results.Throughput t = throughput(
                jvm,
                scale.scenario,
                run,
                expect,
                s,
                d.pid(),
                startedMicros,
                rss,
                other.isEmpty() ? check : check + "; " + other);
        return new Results.Scale(
                t, subscriptions.size(), events, readySeconds, validateSeconds, heap, scrape[0], scrape[1]);
    }

    /** The dispatcher did not answer {@code /metrics} (e.g. an {@code OutOfMemoryError} making a huge scrape). */
    private static final class NoMetrics extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoMetrics(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Without {@code /metrics}, the check is the receiver's: exactly the deliveries, no duplicate. */
    private String checkTotal(long expect, String name) {
        long total = receiver.count();
        if (total != expect) {
            throw new IllegalStateException(name + ": " + total + " requests in all for " + expect + " deliveries");
        }
        return "**no /metrics** (see the log: the scrape failed); checked at the receiver only: " + expect
                + " requests";
    }

    private static long[] scrapeOrNone(DispatcherProcess d) {
        try {
            return d.scrapeSize();
        } catch (IllegalStateException e) {
            return new long[] {-1, -1};
        }
    }

    /**
     * Each subscription's {@code delivered} in {@code webhook_deliveries_total} is its share, and no other outcome
     * is reported but deferrals (noted, not failed: a detour); the receiver got exactly the deliveries. With the default {@code metrics.subscriptionLabels:
     * unscoped}, the workspace-scoped subscriptions are counted together under {@code subscription="(workspaces)"},
     * so for them the check is their sum. The metric may trail the receiver by the last answers, so it is awaited
     * (10 s). Returns the outcomes by label; fails the run if the check fails.
     */
    private Map<String, Map<String, Long>> checkShares(
            DispatcherProcess d,
            Scale scale,
            List<DispatcherProcess.Subscription> subscriptions,
            int events,
            long expect,
            String name) {
        Map<String, Map<String, Long>> bySubscription;
        try {
            bySubscription = d.deliveriesBySubscription();
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    delivered(bySubscription) < expect && System.nanoTime() < until; ) {
                Receiver.sleep(250);
                bySubscription = d.deliveriesBySubscription();
            }
        } catch (IllegalStateException e) {
            throw new NoMetrics(name + ": " + e.getMessage(), e);
        }
        long share = scale.perSubscription(events);
        var expected = new TreeMap<String, Long>();
        int withOwnSeries = 0;
        for (int i = 1; i <= subscriptions.size(); i++) {
            DispatcherProcess.Subscription sub = subscriptions.get(i - 1);
            String id = sub.id() == null ? "s" + i : sub.id();
            String label;
            if ("none".equals(subscriptionLabels)) {
                label = ALL_SUBSCRIPTIONS;
            } else if ("all".equals(subscriptionLabels)) {
                label = id;
            } else if (sub.workspaceId() != null) {
                label = WORKSPACE_SUBSCRIPTIONS;
            } else { // unscoped (the default): the first OWN_SERIES in config order have series of their own
                label = withOwnSeries++ < OWN_SERIES ? id : OTHER_SUBSCRIPTIONS;
            }
            expected.merge(label, share, Long::sum);
        }
        var problems = new ArrayList<String>();
        int wrong = 0;
        var labels = new TreeSet<>(expected.keySet());
        labels.addAll(bySubscription.keySet());
        for (String label : labels) {
            var outcomes = new TreeMap<>(bySubscription.getOrDefault(label, Map.of()));
            outcomes.values().removeIf(n -> n == 0);
            outcomes.remove("deferred"); // a detour through a retry topic, not an outcome: in the run's note
            Long want = expected.get(label);
            boolean ok = want == null ? outcomes.isEmpty() : outcomes.equals(Map.of("delivered", want));
            if (!ok && ++wrong <= 5) {
                problems.add("subscription=\"" + label + "\": " + outcomes + ", expected delivered " + want);
            }
        }
        if (wrong > 5) {
            problems.add((wrong - 5) + " more labels without their share");
        }
        long total = receiver.count();
        if (total != expect) {
            problems.add(total + " requests in all for " + expect + " deliveries");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(name + ": the subscriptions did not each get exactly their share (see "
                    + name + ".log): " + String.join("; ", problems));
        }
        return bySubscription;
    }

    /**
     * Isolation: {@code events} already in the topic, then the dispatcher starts with two subscriptions to
     * {@code *}, {@code s1} at {@link #HEALTHY_PATH} and {@code s2} at the neighbour's path (its settings
     * the defaults). Rate and CPU are measured on {@code s1}'s requests alone: first to {@code events}-th.
     * At the end of that span it reads {@code webhook_deliveries_total} by subscription and outcome, and the
     * records written to the run's retry topics ({@code <topic>.retry-*}) and dead-letter topic (their end
     * offsets: the topics are new, and the writer is idempotent without transactions).
     *
     * <p>A run that reaches its time limit first is not a failure: its span is measured up to the limit
     * and its rate reported as a bound ({@link Results.Isolation}). A dispatcher that exits is.
     */
    Results.Isolation isolation(Jvm jvm, Neighbour neighbour, int events, int run) {
        String name = name(jvm, "isolation-" + neighbour.name().toLowerCase(Locale.ROOT), run);
        String topic = "bench." + name;
        broker.createTopic(topic, PARTITIONS);
        EventLoader.backlog(broker.bootstrapServers(), topic, PARTITIONS, events, bodyBytes);
        long deadline = System.nanoTime() + runTimeout.toNanos();
        long startedMicros = LeanReceiver.wallMicros();
        DispatcherProcess d = DispatcherProcess.start(
                children,
                jvm,
                jar,
                dir,
                name,
                broker.bootstrapServers(),
                topic,
                List.of(HEALTHY_PATH, neighbour.path),
                receiver);
        Map<String, String> s;
        Map<String, Map<String, Long>> outcomes;
        long[] writes;
        double rss;
        try {
            receiver.arm(events, List.of(d.pid(), driverPid), HEALTHY_PATH, slowDelay);
            s = receiver.awaitUntil(events, deadline, d::alive, name);
            if (Long.parseLong(s.get("spanCount")) < events) {
                s = receiver.partialStats(); // the span so far, up to the limit
            }
            outcomes = d.deliveriesBySubscription();
            writes = retryAndDeadLetterWrites(topic);
            rss = d.peakRssKib() / 1024.0;
        } finally {
            int exit = d.stop();
            if (exit != 0) {
                System.err.println(name + ": dispatcher exited with " + exit + " after SIGTERM (see its log)");
            }
            deleteTopics(topic);
        }
        return isolationResult(jvm, neighbour, run, events, s, d.pid(), startedMicros, outcomes, writes, rss);
    }

    private Results.Isolation isolationResult(
            Jvm jvm,
            Neighbour neighbour,
            int run,
            long events,
            Map<String, String> s,
            long pid,
            long startedMicros,
            Map<String, Map<String, Long>> outcomes,
            long[] writes,
            double rssMib) {
        long healthy = Long.parseLong(s.get("spanCount"));
        boolean timedOut = healthy < events;
        long neighbourRequests = Long.parseLong(s.getOrDefault("path." + neighbour.path, "0"));
        String label = neighbour == Neighbour.HEALTHY
                ? Results.ISOLATION_REFERENCE
                : neighbour == Neighbour.SLOW ? "slow " + slowDelay.toMillis() + " ms" : "dead";
        Map<String, Long> s1 = outcomes.getOrDefault("s1", Map.of());
        Map<String, Long> s2 = outcomes.getOrDefault("s2", Map.of());
        if (!s.containsKey("spanNanos")) { // not one healthy request within the limit
            return new Results.Isolation(
                    jvm.shortName(),
                    label,
                    run,
                    events,
                    true,
                    0,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    neighbourRequests,
                    s1,
                    s2,
                    writes[0],
                    writes[1],
                    rssMib,
                    Long.parseLong(s.get("connections")),
                    "no request on " + HEALTHY_PATH + " within " + runTimeout.toMinutes() + " min");
        }
        double seconds = Long.parseLong(s.get("spanNanos")) / 1e9;
        double cpuMicros = Long.parseLong(s.get("cpuTicks." + pid)) * microsPerTick;
        double receiverMicros = Long.parseLong(s.get("cpuTicks.self")) * microsPerTick;
        double brokerMicros = Long.parseLong(s.get("cpuTicks." + driverPid)) * microsPerTick;
        double machineMicros = Long.parseLong(s.get("cpuTicks.machine")) * microsPerTick;
        double otherMicros = Math.max(0, machineMicros - cpuMicros - receiverMicros - brokerMicros);
        String note = timedOut
                ? "time limit " + runTimeout.toMinutes() + " min: " + healthy + " of " + events + " on " + HEALTHY_PATH
                        + " in " + String.format(Locale.ROOT, "%.0f", seconds) + " s"
                : "";
        return new Results.Isolation(
                jvm.shortName(),
                label,
                run,
                events,
                timedOut,
                healthy,
                events / seconds,
                seconds,
                cpuMicros / healthy,
                cpuMicros / 1e6 / seconds,
                otherMicros / 1e6 / seconds,
                (Long.parseLong(s.get("firstWallMicros")) - startedMicros) / 1e6,
                neighbourRequests,
                s1,
                s2,
                writes[0],
                writes[1],
                rssMib,
                Long.parseLong(s.get("connections")),
                note);
    }

    /** Records in the run's retry topics ({@code <topic>.retry-*}) and in its dead-letter topic ({@code <topic>.dlt}). */
    private long[] retryAndDeadLetterWrites(String topic) {
        List<String> names;
        try (Admin admin = admin()) {
            names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(n -> n.startsWith(topic + ".retry-") || n.equals(topic + ".dlt"))
                    .toList();
        } catch (Exception e) {
            throw new IllegalStateException("cannot list the topics " + topic + ".retry-*/.dlt", e);
        }
        long[] writes = new long[2];
        endOffsets(names).forEach((t, n) -> writes[t.equals(topic + ".dlt") ? 1 : 0] += n);
        return writes;
    }

    /** The sum of each topic's latest offsets over its partitions. */
    private Map<String, Long> endOffsets(List<String> topics) {
        try (Admin admin = admin()) {
            var latest = new HashMap<TopicPartition, OffsetSpec>();
            admin.describeTopics(topics)
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .values()
                    .forEach(t -> t.partitions()
                            .forEach(
                                    p -> latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
            var result = new TreeMap<String, Long>();
            admin.listOffsets(latest)
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((tp, offsets) -> result.merge(tp.topic(), offsets.offset(), Long::sum));
            return result;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the end offsets of " + topics, e);
        }
    }

    private Admin admin() {
        return Admin.create(
                Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    /** {@link RawHttpBaseline} sending {@code requests} with {@code concurrency} in flight. */
    /**
     * @param requestsPerEvent the fan-out this baseline stands for: it sends {@code events × requestsPerEvent}
     *     requests, after a warm-up of {@code warmUp × requestsPerEvent} if there is one
     * @param contractHeaders the raw client sends the delivery contract's headers too (RawHttpBaseline)
     */
    Results.Throughput baseline(
            Jvm jvm, int concurrency, int events, int requestsPerEvent, int run, boolean contractHeaders) {
        long requests = (long) events * requestsPerEvent;
        String name = name(jvm, "raw-c" + concurrency + (contractHeaders ? "-headers" : ""), run);
        long warmUpRequests = warmUp * requestsPerEvent;
        var command = new ArrayList<String>();
        command.add(jvm.java().toString());
        command.addAll(jvm.flags());
        // What the dispatcher's Main sets for itself on this machine (see Main's static block).
        command.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism="
                + Math.max(2, Runtime.getRuntime().availableProcessors() - 1));
        command.addAll(List.of(
                "-cp",
                classpath,
                RawHttpBaseline.class.getName(),
                receiver.url("/raw"),
                String.valueOf(warmUpRequests + requests),
                String.valueOf(concurrency),
                String.valueOf(bodyBytes)));
        if (contractHeaders) {
            command.add("contract-headers");
        }
        long deadline = System.nanoTime() + runTimeout.toNanos();
        long startedMicros = LeanReceiver.wallMicros();
        Process p = children.start(new ProcessBuilder(command)
                .redirectError(dir.resolve(name + ".log").toFile()));
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            expectLine(out, "READY", name);
            receiver.arm(requests, warmUpRequests, List.of(p.pid(), driverPid), false, false);
            in.write("go\n");
            in.flush();
            Map<String, String> s = receiver.await(requests, deadline, p::isAlive, name);
            String done = expectLine(out, "DONE", name);
            double rss = Proc.peakRssKib(p.pid()) / 1024.0; // before stdin closes, which ends it
            return throughput(
                    jvm,
                    "raw HttpClient c=" + concurrency + (contractHeaders ? Results.WITH_HEADERS : ""),
                    run,
                    requests,
                    s,
                    p.pid(),
                    startedMicros,
                    rss,
                    done.endsWith("failures=0") ? "" : done);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Children.stop(p, 5);
        }
    }

    /**
     * Fan-out 1 at {@code perSecond} events/s: warm-up, then the measured span; percentiles of the events
     * produced in the measured span, once every produced event arrived.
     */
    Results.Latency latency(Jvm jvm, double perSecond, Duration warmUp, Duration measure, int run) {
        String name = name(jvm, "latency", run);
        String topic = "bench." + name;
        broker.createTopic(topic, PARTITIONS);
        long deadline = System.nanoTime() + runTimeout.toNanos();
        DispatcherProcess d =
                DispatcherProcess.start(children, jvm, jar, dir, name, broker.bootstrapServers(), topic, 1, receiver);
        try {
            d.awaitReady(Duration.ofMinutes(1));
            receiver.arm(0, List.of(), true);
            long[] before = ticks(d.pid());
            long startNanos = System.nanoTime();
            EventLoader.Paced paced = EventLoader.paced(
                    broker.bootstrapServers(), topic, PARTITIONS, perSecond, warmUp, measure, bodyBytes);
            receiver.await(paced.count(), deadline, d::alive, name);
            long[] after = ticks(d.pid());
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double dispatcherCores = (after[0] - before[0]) * microsPerTick / 1e6 / seconds;
            double machineCores = (after[3] - before[3]) * microsPerTick / 1e6 / seconds;
            double driverCores = (after[2] - before[2]) * microsPerTick / 1e6 / seconds;
            double ownCores = (after[0] + after[1] + after[2] - before[0] - before[1] - before[2])
                    * microsPerTick
                    / 1e6
                    / seconds;
            Map<String, String> s = receiver.stats(paced.measuredFromMicros());
            receiver.dumpLatencies(dir.resolve(name + ".csv"));
            return new Results.Latency(
                    jvm.shortName(),
                    run,
                    perSecond,
                    Long.parseLong(s.get("latency.n")),
                    millis(s, "latency.p50Micros"),
                    millis(s, "latency.p99Micros"),
                    millis(s, "latency.p999Micros"),
                    millis(s, "latency.maxMicros"),
                    dispatcherCores,
                    driverCores,
                    Math.max(0, machineCores - ownCores),
                    d.peakRssKib() / 1024.0,
                    Long.parseLong(s.get("connections")));
        } finally {
            d.stop();
            deleteTopics(topic);
        }
    }

    private Results.Throughput throughput(
            Jvm jvm,
            String scenario,
            int run,
            long requests,
            Map<String, String> s,
            long pid,
            long startedMicros,
            double rssMib,
            String note) {
        double seconds = Long.parseLong(s.get("spanNanos")) / 1e9;
        double cpuMicros = Long.parseLong(s.get("cpuTicks." + pid)) * microsPerTick;
        double receiverMicros = Long.parseLong(s.get("cpuTicks.self")) * microsPerTick;
        double brokerMicros = Long.parseLong(s.get("cpuTicks." + driverPid)) * microsPerTick;
        double machineMicros = Long.parseLong(s.get("cpuTicks.machine")) * microsPerTick;
        double otherMicros = Math.max(0, machineMicros - cpuMicros - receiverMicros - brokerMicros);
        return new Results.Throughput(
                jvm.shortName(),
                scenario,
                run,
                requests,
                requests / seconds,
                cpuMicros / requests,
                cpuMicros / 1e6 / seconds,
                receiverMicros / requests,
                brokerMicros / 1e6 / seconds,
                otherMicros / 1e6 / seconds,
                (Long.parseLong(s.get("firstWallMicros")) - startedMicros) / 1e6,
                rssMib,
                Long.parseLong(s.get("connections")),
                note);
    }

    /** CPU ticks of the dispatcher, the receiver, this JVM (broker and producer) and the whole machine. */
    private long[] ticks(long dispatcherPid) {
        return new long[] {
            Proc.cpuTicks(dispatcherPid),
            Proc.cpuTicks(receiver.pid()),
            Proc.cpuTicks(driverPid),
            Proc.machineBusyTicks()
        };
    }

    private String name(Jvm jvm, String what, int run) {
        return "run" + run + "-" + jvm.shortName().replace(" ", "").toLowerCase() + "-" + what + "-" + (++sequence);
    }

    private static String expectLine(BufferedReader out, String prefix, String name) throws IOException {
        String line = out.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IllegalStateException(name + ": expected " + prefix + " from the baseline, got " + line);
        }
        return line;
    }

    private static double millis(Map<String, String> stats, String key) {
        return Long.parseLong(stats.get(key)) / 1000.0;
    }

    /** The run's topics (events, retry, dead letters), so that a benchmark does not keep gigabytes of segments. */
    private void deleteTopics(String prefix) {
        try (Admin admin = admin()) {
            var names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(n -> n.equals(prefix) || n.startsWith(prefix + "."))
                    .toList();
            admin.deleteTopics(names).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("could not delete topics " + prefix + "*: " + e);
        }
    }
}
