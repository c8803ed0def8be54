package io.webhookdispatcher.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
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
    private final HttpClient control = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Receiver(Process process, int port) {
        this.process = process;
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    /** Starts it on {@code java} (always the driver's, so it costs the same whichever JVM is measured). */
    static Receiver start(Children children, Path java, String classpath, Path log) {
        Process p = children.start(new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath,
                LeanReceiver.class.getName()).redirectError(log.toFile()));
        try {
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
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
        String pids = watch.stream().map(String::valueOf).collect(Collectors.joining(","));
        get("/_arm?expect=" + expect + "&watch=" + pids + "&latency=" + latency + "&failOnce=" + failOnce);
    }

    /** Writes the latency samples as CSV, for a look at how latency moved during the run. */
    void dumpLatencies(Path file) {
        get("/_dump?file=" + java.net.URLEncoder.encode(file.toAbsolutePath().toString(), StandardCharsets.UTF_8));
    }

    /** Requests counted since the last {@link #arm}. */
    long count() {
        return Long.parseLong(parse(get("/_stats")).get("count"));
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
     * Waits until {@code expect} requests arrived; fails when the deadline passes or {@code alive} (the
     * sender's process) turns false first.
     */
    Map<String, String> await(long expect, long deadlineNanos, BooleanSupplier alive, String what) {
        while (true) {
            Map<String, String> s = parse(get("/_stats"));
            if (Long.parseLong(s.get("count")) >= expect) {
                return s;
            }
            if (!alive.getAsBoolean() || System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException(what + ": " + s.get("count") + " of " + expect + " requests arrived "
                        + (alive.getAsBoolean() ? "before the run's time limit" : "before the sender exited"));
            }
            sleep(250);
        }
    }

    private String get(String pathAndQuery) {
        try {
            HttpResponse<String> r = control.send(HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
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
