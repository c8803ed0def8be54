package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peak resident memory of the real jar under the chart's default JVM flags, at the worst case the dispatcher's
 * bounds allow: events of the largest allowed size, fan-out 4 with one endpoint that never answers (so requests
 * hold their bodies until the request timeout, then retries and dead letters of that size are written and read
 * back). The pod's limit is 640 MiB; the chart README documents the numbers and the sizing rule.
 *
 * <p>Other cases run with system properties: {@code memory.java} (another JDK's {@code bin/java}),
 * {@code memory.jvm} (its flags, space-separated), {@code memory.events}, {@code memory.eventBytes} and
 * {@code memory.buffered} ({@code delivery.maxBufferedBytes}; default: the dispatcher's own).
 * Native Memory Tracking is on, and {@code jcmd VM.native_memory summary} is logged at the highest RSS seen.
 */
@ExtendWith(DispatcherExtension.class)
class MemoryFootprintIT {
    private static final Logger log = LoggerFactory.getLogger(MemoryFootprintIT.class);
    /** What the chart's deployment sets for its default 640Mi limit (values.yaml {@code jvm}), see the chart README. */
    static final String CHART_DEFAULT_FLAGS = "-Xmx384m -XX:+UseG1GC -Xss512k -XX:MaxDirectMemorySize=64m"
            + " -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=128m -Djdk.nio.maxCachedBufferSize=262144"
            + " -XX:+ExitOnOutOfMemoryError";

    private static final long LIMIT_MIB = 640;
    /** Kept free under the limit: what a different JDK, node or load might add. */
    private static final long MARGIN_MIB = 64;

    private static final Pattern PORT = Pattern.compile("management on \\S*?:(\\d+)");
    private static final Pattern NMT_LINE =
            Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB[^)]*\\)");
    private static final Pattern AFTER_GC = Pattern.compile("\\d+M->(\\d+)M\\(\\d+M\\)");
    private static final Pattern NMT_TOTAL = Pattern.compile("(?m)^Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    @Test
    void shouldStayUnderThePodsMemoryLimitWithTheLargestEventsAndAHungEndpoint(DispatcherFixture dispatcher)
            throws Exception {
        // given
        int events = Integer.getInteger("memory.events", 400);
        int size = Integer.getInteger("memory.eventBytes", 1_000_000); // delivery.maxEventBytes is 1,048,576
        dispatcher.receiver().keepBodyPrefix(256).hang("/hung");
        if (System.getProperty("memory.buffered") != null) {
            dispatcher.with("delivery.maxBufferedBytes", System.getProperty("memory.buffered"));
        }
        dispatcher
                .with("retry.schedule", "[1s, 2s]")
                .with("shutdown.timeout", "5s")
                .subscription("a", "/a", "[\"*\"]")
                .subscription("b", "/b", "[\"*\"]")
                .subscription("c", "/c", "[\"*\"]")
                .subscription("hung", "/hung", "[\"*\"]")
                .createEventsTopic();
        dispatcher.produce(events, List.of("person.updated"), size);

        // when
        Path java = Path.of(System.getProperty(
                "memory.java",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        List<String> flags = List.of(
                System.getProperty("memory.jvm", CHART_DEFAULT_FLAGS).trim().split("\\s+"));
        Path out = Files.createTempFile("memory-footprint", ".log");
        Path gcLog = Files.createTempFile("memory-footprint-gc", ".log");
        var command = new ArrayList<String>(
                List.of(java.toString(), "-XX:NativeMemoryTracking=summary", "-Xlog:gc:file=" + gcLog));
        command.addAll(flags);
        command.addAll(List.of(
                "-jar",
                DispatcherProcess.jar().toString(),
                "run",
                "--config",
                dispatcher.writeConfig().toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> PORT.matcher(Files.readString(out)).find());
            var peak = new Peak();
            // then: the healthy subscriptions get everything, the process lives, and its RSS stays under the limit
            await().atMost(Duration.ofMinutes(6))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        peak.sample(java, process.pid());
                        assertThat(process.isAlive())
                                .as("dispatcher alive:\n%s", tail(out))
                                .isTrue();
                        for (String path : List.of("/a", "/b", "/c")) {
                            assertThat(dispatcher.receivedIds(path)).as(path).hasSize(events);
                        }
                    });
            // keep sampling while the hung endpoint's deliveries time out, retry and go to the dead-letter topic
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until && process.isAlive()) {
                peak.sample(java, process.pid());
                Thread.sleep(250);
            }
            peak.nmtNow(java, process.pid());
            long hwm = vm(process.pid(), "VmHWM") >> 10;
            log.info(
                    "memory: {} events of {} bytes, fan-out 4 with one hung endpoint, {} {}: peak RSS (VmHWM) {} MiB;"
                            + " heap after GC at most {} MiB; NMT committed at the highest RSS sampled ({} MiB): {};"
                            + " at the end: {}",
                    events,
                    size,
                    java,
                    flags,
                    hwm,
                    maxAfterGc(gcLog),
                    peak.rssKib >> 10,
                    peak.atPeak,
                    peak.last);
            assertThat(Files.readString(out)).doesNotContain("OutOfMemoryError");
            if (!System.getProperties().containsKey("memory.jvm")) {
                assertThat(hwm)
                        .as("peak RSS in MiB, limit %d, margin %d", LIMIT_MIB, MARGIN_MIB)
                        .isLessThan(LIMIT_MIB - MARGIN_MIB);
            }
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(out);
            Files.deleteIfExists(gcLog);
        }
    }

    @Test
    void shouldMeasureTheFlagsTheChartSetsForItsDefaultLimit() throws Exception {
        // given the chart's helm (.ci/helm-check.sh fetches it), else nothing to compare
        Path helm = Path.of("target/tools/helm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(helm), "no " + helm);

        // when
        Process p = new ProcessBuilder(
                        helm.toString(),
                        "template",
                        "t",
                        "helm/webhook-dispatcher",
                        "-f",
                        "helm/webhook-dispatcher/ci/minimal-values.yaml")
                .redirectErrorStream(true)
                .start();
        String rendered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        // then
        assertThat(rendered)
                .contains("- name: JAVA_TOOL_OPTIONS\n              value: \"" + CHART_DEFAULT_FLAGS
                        + " -Djava.io.tmpdir=/tmp\"");
    }

    /** The highest RSS seen, with the NMT summary taken closest to it. */
    private static final class Peak {
        long rssKib;
        long lastNmtNanos;
        Map<String, Long> atPeak = Map.of();
        Map<String, Long> last = Map.of();

        void sample(Path java, long pid) {
            long rss = vm(pid, "VmRSS");
            // jcmd costs CPU: at most every 2 s, and only once RSS grew by 4 MiB or more
            if (rss > rssKib + 4096 && System.nanoTime() - lastNmtNanos > TimeUnit.SECONDS.toNanos(2)) {
                Map<String, Long> nmt = nmt(java, pid);
                lastNmtNanos = System.nanoTime();
                if (!nmt.isEmpty()) {
                    atPeak = nmt;
                    atPeak.put("(RSS at this sample)", vm(pid, "VmRSS") >> 10);
                }
            }
            rssKib = Math.max(rssKib, rss);
        }

        void nmtNow(Path java, long pid) {
            last = nmt(java, pid);
            last.put("(RSS at this sample)", vm(pid, "VmRSS") >> 10);
        }
    }

    /** The largest heap occupancy right after a collection, in MiB: what the live set (nearly) reached. */
    static long maxAfterGc(Path gcLog) throws IOException {
        Matcher m = AFTER_GC.matcher(Files.readString(gcLog));
        long max = 0;
        while (m.find()) {
            max = Math.max(max, Long.parseLong(m.group(1)));
        }
        return max;
    }

    /** {@code VmRSS} or {@code VmHWM} of the process, in KiB (0 once it is gone). */
    static long vm(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException gone) {
            // exited
        }
        return 0;
    }

    /** Committed MiB per NMT category, largest first, with the total; empty if jcmd is not there. */
    static Map<String, Long> nmt(Path java, long pid) {
        Path jcmd = java.resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            return new LinkedHashMap<>();
        }
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "VM.native_memory", "summary")
                    .redirectErrorStream(true)
                    .start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            var result = new LinkedHashMap<String, Long>();
            Matcher total = NMT_TOTAL.matcher(text);
            if (total.find()) {
                result.put("Total", Long.parseLong(total.group(2)) >> 10);
            }
            Matcher m = NMT_LINE.matcher(text);
            var categories = new ArrayList<Map.Entry<String, Long>>();
            while (m.find()) {
                categories.add(Map.entry(m.group(1).trim(), Long.parseLong(m.group(3)) >> 10));
            }
            categories.sort(Map.Entry.<String, Long>comparingByValue().reversed());
            categories.stream().filter(e -> e.getValue() > 0).forEach(e -> result.put(e.getKey(), e.getValue()));
            return result;
        } catch (IOException e) {
            return new LinkedHashMap<>();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new LinkedHashMap<>();
        }
    }

    private static String tail(Path out) throws IOException {
        String text = Files.readString(out);
        return text.substring(Math.max(0, text.length() - 3000));
    }
}
