package io.webhookdispatcher.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Every run's numbers, and the markdown tables of them: per run, medians, same-run ratios, features, latency,
 * isolation.
 */
final class Results {
    static final String FAN_OUT_1 = "dispatcher fan-out 1";
    static final String FAN_OUT_4 = "dispatcher fan-out 4";
    static final String RAW_64 = "raw HttpClient c=64";
    static final String RAW_256 = "raw HttpClient c=256";
    /** The suffix of the raw cases that send the delivery contract's headers too ({@code --header-baseline}). */
    static final String WITH_HEADERS = " + contract headers";
    // The features round's cases (see Scenarios.Feature).
    static final String FEATURES_FAN_OUT_1 = "features: fan-out 1";
    static final String FEATURES_FILTERS = "features: 10 filters";
    static final String FEATURES_ATTEMPTS_1 = "features: fan-out 1 + attempts";
    static final String FEATURES_FAN_OUT_4 = "features: fan-out 4";
    static final String FEATURES_ATTEMPTS_4 = "features: fan-out 4 + attempts";

    // The tenants round's cases (see Scenarios.Scale).
    static final String SCALE_TENANTS_REFERENCE = "tenants: 2 subscriptions, fan-out 2";
    static final String SCALE_TENANTS = "tenants: 10,000 over 5,000 workspaces";
    static final String SCALE_ONE_SUBSCRIPTION = "tenants: 1 subscription, 2× events";
    static final String SCALE_WILDCARDS_REFERENCE = "wildcards: 10 subscriptions, fan-out 10";
    static final String SCALE_WILDCARDS = "wildcards: 10,000, 1 in 1,000 each";

    /** Targets of issue #17 for the tenants round. */
    static final double MIN_SCALE_RATE_RATIO = 0.8;

    static final double MAX_SCALE_CPU_RATIO = 1.25;
    static final double MAX_SCALE_SECONDS = 5;
    static final long MAX_SCRAPE_BYTES = 1_000_000;

    /** A case of the tenants round and its reference, run in each round on the same deliveries. */
    private record ScalePair(String label, String scale, String reference, boolean primary) {}

    private static final List<ScalePair> SCALE_PAIRS = List.of(
            new ScalePair(
                    "10,000 workspace subscriptions ÷ 2 unscoped (fan-out 2)",
                    SCALE_TENANTS,
                    SCALE_TENANTS_REFERENCE,
                    true),
            new ScalePair(
                    "10,000 workspace subscriptions ÷ 1 subscription, 2× events",
                    SCALE_TENANTS,
                    SCALE_ONE_SUBSCRIPTION,
                    false),
            new ScalePair(
                    "10,000 wildcard subscriptions ÷ 10 unscoped (fan-out 10)",
                    SCALE_WILDCARDS,
                    SCALE_WILDCARDS_REFERENCE,
                    true));

    /**
     * One run of the tenants round: its drain ({@code t}, measured like any drain), and what else it reads:
     * subscriptions, events, seconds from the process's start to {@code /health/ready}, {@code validate-config}'s
     * seconds (JVM start to exit) on the same file, the live heap after a full GC once the drain is done, and the
     * {@code /metrics} scrape's bytes and series at that point.
     */
    record Scale(
            Throughput t,
            int subscriptions,
            long events,
            double readySeconds,
            double validateSeconds,
            long liveHeapBytes,
            long scrapeBytes,
            long series) {}

    /** A feature's case and its reference, run back to back in each round on the same backlog. */
    private record FeaturePair(String label, String feature, String reference) {}

    private static final List<FeaturePair> FEATURE_PAIRS = List.of(
            new FeaturePair("10 filtered subscriptions ÷ fan-out 1", FEATURES_FILTERS, FEATURES_FAN_OUT_1),
            new FeaturePair("attempts topic, fan-out 1", FEATURES_ATTEMPTS_1, FEATURES_FAN_OUT_1),
            new FeaturePair("attempts topic, fan-out 4", FEATURES_ATTEMPTS_4, FEATURES_FAN_OUT_4));

    /** Targets of the brief, checked against the medians. */
    static final double MIN_RATE_RATIO = 0.70;

    static final double MAX_CPU_RATIO = 1.5;
    static final double MAX_P99_MILLIS = 50;
    static final double MAX_RSS_MIB = 300;
    /** The healthy subscription's rate next to a bad neighbour ÷ its rate next to a healthy one. */
    static final double MIN_ISOLATION_RATIO = 0.9;
    /** The neighbour of the isolation reference run: healthy, like the subscription measured. */
    static final String ISOLATION_REFERENCE = "healthy";

    /**
     * One drain or baseline run. {@code perSecond} is requests arrived at the receiver divided by the time
     * from the first to the last; CPU is the measured process's utime+stime over that same span.
     * {@code otherCores} is what the rest of the machine used meanwhile: the noise (other users' builds).
     */
    record Throughput(
            String jvm,
            String scenario,
            int run,
            long requests,
            double perSecond,
            double cpuMicrosEach,
            double cores,
            double receiverMicrosEach,
            double brokerCores,
            double otherCores,
            double startToFirstSeconds,
            double rssMib,
            long connections,
            String note) {}

    /** One fixed-rate run: produce-to-receive latency of the events produced after the warm-up. */
    record Latency(
            String jvm,
            int run,
            double perSecond,
            long samples,
            double p50Millis,
            double p99Millis,
            double p999Millis,
            double maxMillis,
            double dispatcherCores,
            double brokerCores,
            double otherCores,
            double rssMib,
            long connections) {}

    /**
     * One isolation run: the healthy subscription {@code s1}'s drain of {@code events}, next to a neighbour
     * {@code s2} on another path. {@code perSecond} is {@code events} ÷ the time from the first to the
     * {@code events}-th request on the healthy path; if the run hit its time limit first
     * ({@code timedOut}), the span is measured up to the limit and {@code perSecond} is an upper bound
     * ({@code events} ÷ span so far; the true span is longer), NaN if no healthy request arrived at all.
     * CPU is the dispatcher's over the span, per healthy delivery. Outcomes, retry-topic and dead-letter
     * writes are read at the end of the span (or at the limit).
     */
    record Isolation(
            String jvm,
            String neighbour,
            int run,
            long events,
            boolean timedOut,
            long healthyRequests,
            double perSecond,
            double spanSeconds,
            double cpuMicrosEach,
            double cores,
            double otherCores,
            double startToFirstSeconds,
            long neighbourRequests,
            Map<String, Long> healthyOutcomes,
            Map<String, Long> neighbourOutcomes,
            long retryWrites,
            long deadLetterWrites,
            double rssMib,
            long connections,
            String note) {

        /** The healthy deliveries per second up to the limit, when timed out (an estimate, not a bound). */
        double soFarPerSecond() {
            return healthyRequests / spanSeconds;
        }

        double retryWritesPerEvent() {
            return (double) retryWrites / events;
        }
    }

    private final List<Throughput> throughput = new ArrayList<>();
    private final List<Latency> latency = new ArrayList<>();
    private final List<Isolation> isolation = new ArrayList<>();
    private final List<Scale> scale = new ArrayList<>();

    void add(Throughput t) {
        throughput.add(t);
    }

    void add(Latency l) {
        latency.add(l);
    }

    void add(Isolation i) {
        isolation.add(i);
    }

    void add(Scale s) {
        scale.add(s);
    }

    /** Median fan-out-1 drain rate so far of this JVM, the base of the latency runs' rate. */
    double medianRate(String jvm, String scenario) {
        return median(select(jvm, scenario), Throughput::perSecond);
    }

    String markdown() {
        var md = new StringBuilder();
        if (!throughput.isEmpty()) {
            throughputMarkdown(md);
        }
        if (!latency.isEmpty()) {
            latencyMarkdown(md);
        }
        if (!isolation.isEmpty()) {
            isolationMarkdown(md);
        }
        if (!scale.isEmpty()) {
            scaleMarkdown(md);
        }
        double peak = throughput.stream()
                .filter(t -> !t.scenario().startsWith("raw"))
                .mapToDouble(Throughput::rssMib)
                .max()
                .orElse(0);
        peak = Math.max(
                peak, latency.stream().mapToDouble(Latency::rssMib).max().orElse(0));
        peak = Math.max(
                peak, isolation.stream().mapToDouble(Isolation::rssMib).max().orElse(0));
        peak = Math.max(
                peak, scale.stream().mapToDouble(x -> x.t().rssMib()).max().orElse(0));
        md.append("\n**Peak RSS of the dispatcher across all runs: ")
                .append(f0(peak))
                .append(" MiB** (target ≤ 300 MiB) ")
                .append(verdict(peak <= MAX_RSS_MIB))
                .append('\n');
        return md.toString();
    }

    private void throughputMarkdown(StringBuilder md) {
        md.append("### Every run\n\n")
                .append(
                        "| JVM | case | run | requests | req/s | CPU µs/req | CPU cores | receiver CPU µs/req "
                                + "| broker+driver cores | other load cores | start→first s | peak RSS MiB | connections | note |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Throughput t : throughput) {
            md.append(row(
                    t.jvm(),
                    t.scenario(),
                    t.run(),
                    t.requests(),
                    f0(t.perSecond()),
                    f1(t.cpuMicrosEach()),
                    f2(t.cores()),
                    f1(t.receiverMicrosEach()),
                    f2(t.brokerCores()),
                    f2(t.otherCores()),
                    f1(t.startToFirstSeconds()),
                    f0(t.rssMib()),
                    t.connections(),
                    t.note()));
        }
        md.append("\n### Medians\n\n")
                .append(
                        "| JVM | case | runs | median req/s | median CPU µs/req | median CPU cores | max peak RSS MiB |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        for (String jvm : jvms()) {
            for (String scenario : List.of(
                    FAN_OUT_1,
                    FAN_OUT_4,
                    RAW_64,
                    RAW_256,
                    FEATURES_FAN_OUT_1,
                    FEATURES_FILTERS,
                    FEATURES_ATTEMPTS_1,
                    FEATURES_FAN_OUT_4,
                    FEATURES_ATTEMPTS_4)) {
                List<Throughput> runs = select(jvm, scenario);
                if (!runs.isEmpty()) {
                    md.append(row(
                            jvm,
                            scenario,
                            runs.size(),
                            f0(median(runs, Throughput::perSecond)),
                            f1(median(runs, Throughput::cpuMicrosEach)),
                            f2(median(runs, Throughput::cores)),
                            f0(runs.stream()
                                    .mapToDouble(Throughput::rssMib)
                                    .max()
                                    .orElse(0))));
                }
            }
        }
        var ratios = new StringBuilder();
        for (String jvm : jvms()) {
            ratio(ratios, jvm, FAN_OUT_1, RAW_64);
            ratio(ratios, jvm, FAN_OUT_1, RAW_256);
            ratio(ratios, jvm, FAN_OUT_4, RAW_256);
            ratio(ratios, jvm, FAN_OUT_1, RAW_64 + WITH_HEADERS);
            ratio(ratios, jvm, FAN_OUT_4, RAW_256 + WITH_HEADERS);
            ratio(ratios, jvm, RAW_64 + WITH_HEADERS, RAW_64);
            ratio(ratios, jvm, RAW_256 + WITH_HEADERS, RAW_256);
        }
        if (!ratios.isEmpty()) {
            md.append(
                            "\n### Dispatcher vs raw HttpClient (median of the per-run ratios; each run's pair ran back to back)\n\n")
                    .append(
                            "| JVM | dispatcher | baseline | rate ratio (target ≥ 0.70) | CPU/req ratio (target ≤ 1.5) |\n")
                    .append("|---|---|---|---:|---:|\n")
                    .append(ratios);
        }
        if (throughput.stream().anyMatch(t -> t.scenario().equals(FEATURES_FAN_OUT_1))) {
            featuresMarkdown(md);
        }
    }

    /** Per round, each feature's case ÷ its reference of the same round; then the median of those ratios. */
    private void featuresMarkdown(StringBuilder md) {
        md.append("\n### Features: each feature's drain ÷ its reference of the same round (same backlog, back to "
                        + "back; median of the per-round ratios)\n\n")
                .append("| JVM | comparison | run | reference req/s | with feature req/s | rate ratio "
                        + "| reference CPU µs/req | with feature CPU µs/req | CPU/req ratio | check |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (String jvm : jvms()) {
            for (FeaturePair pair : FEATURE_PAIRS) {
                List<Throughput> reference = select(jvm, pair.reference());
                var rate = new ArrayList<Double>();
                var cpu = new ArrayList<Double>();
                for (Throughput f : select(jvm, pair.feature())) {
                    Throughput r = reference.stream()
                            .filter(t -> t.run() == f.run())
                            .findFirst()
                            .orElse(null);
                    if (r == null) {
                        continue;
                    }
                    rate.add(f.perSecond() / r.perSecond());
                    cpu.add(f.cpuMicrosEach() / r.cpuMicrosEach());
                    md.append(row(
                            jvm,
                            pair.label(),
                            f.run(),
                            f0(r.perSecond()),
                            f0(f.perSecond()),
                            f3(rate.get(rate.size() - 1)),
                            f1(r.cpuMicrosEach()),
                            f1(f.cpuMicrosEach()),
                            f3(cpu.get(cpu.size() - 1)),
                            f.note()));
                }
                if (!rate.isEmpty()) {
                    md.append(row(
                            jvm,
                            pair.label(),
                            "**median**",
                            f0(median(reference, Throughput::perSecond)),
                            f0(median(select(jvm, pair.feature()), Throughput::perSecond)),
                            "**" + f3(median(rate, x -> x)) + "**",
                            f1(median(reference, Throughput::cpuMicrosEach)),
                            f1(median(select(jvm, pair.feature()), Throughput::cpuMicrosEach)),
                            "**" + f3(median(cpu, x -> x)) + "**",
                            ""));
                }
            }
        }
    }

    private void scaleMarkdown(StringBuilder md) {
        md.append("\n### Tenants round: every run\n\n")
                .append("| JVM | case | run | subscriptions | events | deliveries | req/s | CPU µs/req | CPU cores "
                        + "| other load cores | start→ready s | start→first s | validate-config s | live heap MiB "
                        + "| /metrics bytes | series | peak RSS MiB | connections | note |\n")
                .append(
                        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Scale x : scale) {
            Throughput t = x.t();
            md.append(row(
                    t.jvm(),
                    t.scenario(),
                    t.run(),
                    f0(x.subscriptions()),
                    f0(x.events()),
                    f0(t.requests()),
                    f0(t.perSecond()),
                    f1(t.cpuMicrosEach()),
                    f2(t.cores()),
                    f2(t.otherCores()),
                    f2(x.readySeconds()),
                    f2(t.startToFirstSeconds()),
                    f2(x.validateSeconds()),
                    f1(x.liveHeapBytes() / 1048576.0),
                    x.scrapeBytes() < 0 ? "failed" : f0(x.scrapeBytes()),
                    x.series() < 0 ? "failed" : f0(x.series()),
                    f0(t.rssMib()),
                    t.connections(),
                    t.note()));
        }
        md.append(
                        "\n### Tenants round: each case ÷ its reference of the same round (median of the per-round ratios)\n\n")
                .append("| JVM | comparison | run | reference req/s | case req/s | rate ratio (target ≥ 0.8) "
                        + "| reference CPU µs/req | case CPU µs/req | CPU/req ratio (target ≤ 1.25) |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String jvm : scaleJvms()) {
            for (ScalePair pair : SCALE_PAIRS) {
                var rate = new ArrayList<Double>();
                var cpu = new ArrayList<Double>();
                for (Scale c : selectScale(jvm, pair.scale())) {
                    Scale r = scaleOf(jvm, pair.reference(), c.t().run());
                    if (r == null) {
                        continue;
                    }
                    rate.add(c.t().perSecond() / r.t().perSecond());
                    cpu.add(c.t().cpuMicrosEach() / r.t().cpuMicrosEach());
                    md.append(row(
                            jvm,
                            pair.label(),
                            c.t().run(),
                            f0(r.t().perSecond()),
                            f0(c.t().perSecond()),
                            f3(rate.get(rate.size() - 1)),
                            f1(r.t().cpuMicrosEach()),
                            f1(c.t().cpuMicrosEach()),
                            f3(cpu.get(cpu.size() - 1))));
                }
                if (!rate.isEmpty()) {
                    double r = median(rate, x -> x);
                    double c = median(cpu, x -> x);
                    md.append(row(
                            jvm,
                            pair.label(),
                            "**median**",
                            f0(median(selectScale(jvm, pair.reference()), x -> x.t().perSecond())),
                            f0(median(selectScale(jvm, pair.scale()), x -> x.t().perSecond())),
                            "**" + f3(r) + "** "
                                    + (pair.primary() ? verdict(r >= MIN_SCALE_RATE_RATIO) : "(reference)"),
                            f1(median(selectScale(jvm, pair.reference()), x -> x.t().cpuMicrosEach())),
                            f1(median(selectScale(jvm, pair.scale()), x -> x.t().cpuMicrosEach())),
                            "**" + f3(c) + "** "
                                    + (pair.primary() ? verdict(c <= MAX_SCALE_CPU_RATIO) : "(reference)")));
                }
            }
        }
        md.append("\n### Tenants round: start-up, validate-config, heap, scrape (medians; per round in brackets)\n\n")
                .append(
                        "| JVM | case | start→ready s (target ≤ 5 at 10,000) | validate-config s (target ≤ 5 at 10,000) "
                                + "| live heap MiB after full GC | heap per subscription over the 1-subscription run "
                                + "| /metrics bytes (target < 1 MB at 10,000) | series |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (String jvm : scaleJvms()) {
            for (String scenario : List.of(
                    SCALE_ONE_SUBSCRIPTION,
                    SCALE_TENANTS_REFERENCE,
                    SCALE_TENANTS,
                    SCALE_WILDCARDS_REFERENCE,
                    SCALE_WILDCARDS)) {
                List<Scale> runs = selectScale(jvm, scenario);
                if (runs.isEmpty()) {
                    continue;
                }
                boolean large = runs.get(0).subscriptions() >= 10_000;
                double ready = median(runs, Scale::readySeconds);
                double validate = median(runs, Scale::validateSeconds);
                boolean scrapeFailed = runs.stream().anyMatch(x -> x.scrapeBytes() < 0);
                double scrape = median(runs, x -> (double) x.scrapeBytes());
                var perSubscription = new ArrayList<Double>();
                for (Scale c : runs) {
                    Scale one = scaleOf(jvm, SCALE_ONE_SUBSCRIPTION, c.t().run());
                    // Only where the difference is large: a few subscriptions' share is lost in the heap's noise.
                    if (one != null && c.subscriptions() - one.subscriptions() >= 1_000) {
                        perSubscription.add((double) (c.liveHeapBytes() - one.liveHeapBytes())
                                / (c.subscriptions() - one.subscriptions()));
                    }
                }
                md.append(row(
                        jvm,
                        scenario,
                        f2(ready)
                                + perRound(runs, Scale::readySeconds)
                                + (large ? " " + verdict(ready <= MAX_SCALE_SECONDS) : ""),
                        f2(validate)
                                + perRound(runs, Scale::validateSeconds)
                                + (large ? " " + verdict(validate <= MAX_SCALE_SECONDS) : ""),
                        f1(median(runs, x -> x.liveHeapBytes() / 1048576.0)),
                        perSubscription.isEmpty()
                                ? "—"
                                : f0(median(perSubscription, x -> x)) + " bytes ("
                                        + String.join(
                                                ", ",
                                                perSubscription.stream()
                                                        .map(Results::f0)
                                                        .toList()) + ")",
                        scrapeFailed
                                ? "failed in "
                                        + runs.stream()
                                                .filter(x -> x.scrapeBytes() < 0)
                                                .count() + " of " + runs.size() + " runs " + verdict(false)
                                : f0(scrape) + (large ? " " + verdict(scrape < MAX_SCRAPE_BYTES) : ""),
                        scrapeFailed ? "—" : f0(median(runs, x -> (double) x.series()))));
            }
        }
    }

    private static String perRound(List<Scale> runs, ToDoubleFunction<Scale> value) {
        return runs.size() < 2
                ? ""
                : " ("
                        + String.join(
                                ", ",
                                runs.stream()
                                        .map(x -> f2(value.applyAsDouble(x)))
                                        .toList()) + ")";
    }

    private List<Scale> selectScale(String jvm, String scenario) {
        return scale.stream()
                .filter(x -> x.t().jvm().equals(jvm) && x.t().scenario().equals(scenario))
                .toList();
    }

    private Scale scaleOf(String jvm, String scenario, int run) {
        return selectScale(jvm, scenario).stream()
                .filter(x -> x.t().run() == run)
                .findFirst()
                .orElse(null);
    }

    private LinkedHashSet<String> scaleJvms() {
        var result = new LinkedHashSet<String>();
        scale.forEach(x -> result.add(x.t().jvm()));
        return result;
    }

    private void latencyMarkdown(StringBuilder md) {
        md.append("\n### Latency, produce → receive, fan-out 1 (target p99 ≤ 50 ms)\n\n")
                .append("| JVM | run | events/s | samples | p50 ms | p99 ms | p99.9 ms | max ms | dispatcher cores "
                        + "| broker+producer cores | other load cores | peak RSS MiB | connections |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Latency l : latency) {
            md.append(row(
                    l.jvm(),
                    l.run(),
                    f0(l.perSecond()),
                    l.samples(),
                    f1(l.p50Millis()),
                    f1(l.p99Millis()),
                    f1(l.p999Millis()),
                    f1(l.maxMillis()),
                    f2(l.dispatcherCores()),
                    f2(l.brokerCores()),
                    f2(l.otherCores()),
                    f0(l.rssMib()),
                    l.connections()));
        }
        for (String jvm : latency.stream().map(Latency::jvm).distinct().toList()) {
            List<Latency> runs =
                    latency.stream().filter(l -> l.jvm().equals(jvm)).toList();
            double p99 = median(runs, Latency::p99Millis);
            md.append(row(
                    jvm,
                    "**median**",
                    "",
                    "",
                    "**" + f1(median(runs, Latency::p50Millis)) + "**",
                    "**" + f1(p99) + "** " + verdict(p99 <= MAX_P99_MILLIS),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ""));
        }
    }

    private void isolationMarkdown(StringBuilder md) {
        md.append("\n### Isolation: every run (healthy s1 → /hook1, neighbour s2; rate and CPU over s1's span)\n\n")
                .append(
                        "| JVM | neighbour | run | healthy deliveries | healthy req/s | span s | CPU µs per healthy delivery "
                                + "| dispatcher cores | other load cores | start→first s | neighbour requests | s1 outcomes "
                                + "| s2 outcomes | retry-topic writes | per event | dead-letter writes | peak RSS MiB | connections | note |\n")
                .append(
                        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---|\n");
        for (Isolation i : isolation) {
            md.append(row(
                    i.jvm(),
                    i.neighbour(),
                    i.run(),
                    i.healthyRequests() + " of " + i.events(),
                    rate(i),
                    f1(i.spanSeconds()),
                    f1(i.cpuMicrosEach()),
                    f2(i.cores()),
                    f2(i.otherCores()),
                    f1(i.startToFirstSeconds()),
                    i.neighbourRequests(),
                    outcomes(i.healthyOutcomes()),
                    outcomes(i.neighbourOutcomes()),
                    i.retryWrites(),
                    f2(i.retryWritesPerEvent()),
                    i.deadLetterWrites(),
                    f0(i.rssMib()),
                    i.connections(),
                    i.note()));
        }
        md.append("\n### Isolation: healthy subscription's drain rate next to a bad neighbour (median of the per-round "
                        + "ratios to the healthy-neighbour run of the same round; ≤ / < : a run hit its time limit, "
                        + "so its rate is an upper bound)\n\n")
                .append(
                        "| JVM | neighbour | runs | median healthy req/s | rate ratio (target ≥ 0.90) | per-round ratios "
                                + "| neighbour retry-topic writes per event (median) | neighbour outcomes (median) |\n")
                .append("|---|---|---:|---:|---:|---|---:|---|\n");
        for (String jvm : isolation.stream().map(Isolation::jvm).distinct().toList()) {
            for (String neighbour :
                    isolation.stream().map(Isolation::neighbour).distinct().toList()) {
                List<Isolation> runs = isolation.stream()
                        .filter(i -> i.jvm().equals(jvm) && i.neighbour().equals(neighbour))
                        .toList();
                if (!runs.isEmpty()) {
                    isolationRow(md, jvm, neighbour, runs);
                }
            }
        }
    }

    private void isolationRow(StringBuilder md, String jvm, String neighbour, List<Isolation> runs) {
        List<Isolation> measured =
                runs.stream().filter(i -> !Double.isNaN(i.perSecond())).toList();
        boolean bounded = measured.stream().anyMatch(Isolation::timedOut);
        String medianRate =
                measured.isEmpty() ? "no request" : (bounded ? "≤ " : "") + f0(median(measured, Isolation::perSecond));
        String ratio;
        var perRound = new ArrayList<String>();
        if (neighbour.equals(ISOLATION_REFERENCE)) {
            ratio = "1 (reference)";
            perRound.add("—");
        } else {
            // A run's true rate is at most its bound, so the median of the bounds bounds the true median.
            var ratios = new ArrayList<Double>();
            boolean ratioBounded = false;
            for (Isolation i : runs) {
                Isolation reference = reference(jvm, i.run());
                if (reference == null || reference.timedOut() || Double.isNaN(i.perSecond())) {
                    perRound.add("round " + i.run() + ": —");
                    continue;
                }
                double r = i.perSecond() / reference.perSecond();
                ratios.add(r);
                ratioBounded |= i.timedOut();
                perRound.add(
                        i.timedOut()
                                ? "< " + f3(r) + " (" + f3(i.soFarPerSecond() / reference.perSecond()) + " so far)"
                                : f3(r));
            }
            if (ratios.isEmpty()) {
                ratio = "— (no reference)";
            } else {
                double m = median(ratios, x -> x);
                String verdict = m < MIN_ISOLATION_RATIO
                        ? verdict(false)
                        : ratioBounded ? "(unknown: timed out)" : verdict(true);
                ratio = (ratioBounded ? "≤ " : "") + f3(m) + " " + verdict;
            }
        }
        md.append(row(
                jvm,
                neighbour,
                runs.size(),
                medianRate,
                ratio,
                String.join(", ", perRound),
                f2(median(runs, Isolation::retryWritesPerEvent)),
                medianOutcomes(runs)));
    }

    private Isolation reference(String jvm, int run) {
        return isolation.stream()
                .filter(i ->
                        i.jvm().equals(jvm) && i.run() == run && i.neighbour().equals(ISOLATION_REFERENCE))
                .findFirst()
                .orElse(null);
    }

    /** The rate, or its bound with what arrived by the limit. */
    private static String rate(Isolation i) {
        if (Double.isNaN(i.perSecond())) {
            return "timed out, no request";
        }
        return i.timedOut()
                ? "timed out, < " + f0(i.perSecond()) + " (" + f0(i.soFarPerSecond()) + " so far)"
                : f0(i.perSecond());
    }

    private static String outcomes(Map<String, Long> byOutcome) {
        return byOutcome.isEmpty()
                ? "none"
                : String.join(
                        ", ",
                        byOutcome.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue())
                                .toList());
    }

    private static String medianOutcomes(List<Isolation> runs) {
        var names = new TreeSet<String>();
        runs.forEach(i -> names.addAll(i.neighbourOutcomes().keySet()));
        var result = new TreeMap<String, Long>();
        for (String name : names) {
            result.put(name, Math.round(median(runs, i -> i.neighbourOutcomes().getOrDefault(name, 0L))));
        }
        return outcomes(result);
    }

    private void ratio(StringBuilder md, String jvm, String dispatcher, String baseline) {
        List<Throughput> d = select(jvm, dispatcher);
        List<Throughput> b = select(jvm, baseline);
        var rate = new ArrayList<Double>();
        var cpu = new ArrayList<Double>();
        for (Throughput dr : d) {
            b.stream().filter(br -> br.run() == dr.run()).findFirst().ifPresent(br -> {
                rate.add(dr.perSecond() / br.perSecond());
                cpu.add(dr.cpuMicrosEach() / br.cpuMicrosEach());
            });
        }
        if (rate.isEmpty()) {
            return;
        }
        double r = median(rate, x -> x);
        double c = median(cpu, x -> x);
        md.append(row(
                jvm,
                dispatcher,
                baseline,
                f2(r) + " " + verdict(r >= MIN_RATE_RATIO),
                f2(c) + " " + verdict(c <= MAX_CPU_RATIO)));
    }

    private List<Throughput> select(String jvm, String scenario) {
        return throughput.stream()
                .filter(t -> t.jvm().equals(jvm) && t.scenario().equals(scenario))
                .toList();
    }

    private LinkedHashSet<String> jvms() {
        var result = new LinkedHashSet<String>();
        throughput.forEach(t -> result.add(t.jvm()));
        return result;
    }

    static <T> double median(List<T> items, ToDoubleFunction<T> value) {
        double[] v = items.stream().mapToDouble(value).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String verdict(boolean met) {
        return met ? "(met)" : "(**missed**)";
    }

    private static String row(Object... cells) {
        return "| "
                + String.join(" | ", Arrays.stream(cells).map(String::valueOf).toList()) + " |\n";
    }

    private static String f0(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
