package io.webhookdispatcher.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** The driver's handle on the {@link LeanReceiver} process: start it, arm it, read its counters. */
final class Receiver {
    private final Process process;
    private final String baseUrl;
    private final HttpClient control =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Receiver(Process process, int port) {
        this.process = process;
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    /** Starts it on {@code java} (always the driver's, so it costs the same whichever JVM is measured). */
    static Receiver start(Children children, Path java, String classpath, Path log) {
        Process p = children.start(
                new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath, LeanReceiver.class.getName())
                        .redirectError(log.toFile()));
        try {
            String line =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (line == null || !line.startsWith("PORT ")) {
                throw new IllegalStateException("receiver did not start (see " + log + "): " + line);
            }
            return new Receiver(p, Integer.parseInt(line.substring(5)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url(String path) {
        return baseUrl + path;
    }

    long pid() {
        return process.pid();
    }

    /** Resets the counters; the CPU of {@code watch} is read at the first and the {@code expect}-th request. */
    void arm(long expect, List<Long> watch, boolean latency) {
        arm(expect, watch, latency, false);
    }

    /** With {@code failOnce}, each delivery's first attempt is answered 503 and only successes count. */
    void arm(long expect, List<Long> watch, boolean latency, boolean failOnce) {
        arm(expect, 0, watch, latency, failOnce);
    }

    /** The first {@code warmUp} requests are counted but not measured: the span is the {@code expect} after them. */
    void arm(long expect, long warmUp, List<Long> watch, boolean latency, boolean failOnce) {
        String pids = watch.stream().map(String::valueOf).collect(Collectors.joining(","));
        get("/_arm?expect=" + expect + "&skip=" + warmUp + "&watch=" + pids + "&latency=" + latency + "&failOnce="
                + failOnce);
    }

    /**
     * For the isolation cases: the span is made by requests to {@code spanPath} alone (first to
     * {@code expect}-th); {@code /slow...} paths answer after {@code slowDelay}, {@code /dead...} never.
     */
    void arm(long expect, List<Long> watch, String spanPath, Duration slowDelay) {
        String pids = watch.stream().map(String::valueOf).collect(Collectors.joining(","));
        get("/_arm?expect=" + expect + "&watch=" + pids + "&spanPath="
                + URLEncoder.encode(spanPath, StandardCharsets.UTF_8) + "&slowDelayMs=" + slowDelay.toMillis());
    }

    /** Writes the latency samples as CSV, for a look at how latency moved during the run. */
    void dumpLatencies(Path file) {
        get("/_dump?file=" + java.net.URLEncoder.encode(file.toAbsolutePath().toString(), StandardCharsets.UTF_8));
    }

    /** Requests counted since the last {@link #arm}. */
    long count() {
        return Long.parseLong(parse(get("/_stats")).get("count"));
    }

    /** Counters since the last {@link #arm}: {@code count}, {@code path.<path>}, the span if it is complete. */
    Map<String, String> counters() {
        return parse(get("/_stats"));
    }

    /**
     * Counters, with a span that began but has not reached its {@code expect}-th request reported up to
     * now ({@code spanOpen=true}), for a run stopped by its time limit.
     */
    Map<String, String> partialStats() {
        return parse(get("/_stats?partial=true"));
    }

    /** Counters, and latency percentiles of the events produced from {@code sinceMicros} on. */
    Map<String, String> stats(long sinceMicros) {
        return parse(get("/_stats?since=" + sinceMicros));
    }

    private static Map<String, String> parse(String lines) {
        var result = new HashMap<String, String>();
        for (String line : lines.split("\n")) {
            int eq = line.indexOf('=');
            result.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return result;
    }

    /**
     * Waits until {@code expect} requests of the span arrived; fails when the deadline passes or
     * {@code alive} (the sender's process) turns false first.
     */
    Map<String, String> await(long expect, long deadlineNanos, BooleanSupplier alive, String what) {
        Map<String, String> s = awaitUntil(expect, deadlineNanos, alive, what);
        if (Long.parseLong(s.get("spanCount")) < expect) {
            throw new IllegalStateException(what + ": " + s.get("spanCount") + " of " + expect
                    + " requests arrived before the run's time limit");
        }
        return s;
    }

    /**
     * Waits until {@code expect} requests of the span arrived or the deadline passed, and returns the
     * counters either way (a {@code spanCount} below {@code expect} means the time limit); fails if
     * {@code alive} (the sender's process) turns false first.
     */
    Map<String, String> awaitUntil(long expect, long deadlineNanos, BooleanSupplier alive, String what) {
        while (true) {
            Map<String, String> s = parse(get("/_stats"));
            if (Long.parseLong(s.get("spanCount")) >= expect) {
                return s;
            }
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException(what + ": " + s.get("spanCount") + " of " + expect
                        + " requests arrived before the sender exited");
            }
            if (System.nanoTime() > deadlineNanos) {
                return s;
            }
            sleep(250);
        }
    }

    private String get(String pathAndQuery) {
        try {
            HttpResponse<String> r = control.send(
                    HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("receiver control " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
