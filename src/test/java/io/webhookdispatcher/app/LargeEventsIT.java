package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Large events and a hung subscriber in the real jar with {@code -Xmx256m}: more data than the heap goes through,
 * and the memory bound (not the heap) is what stops consumption.
 */
@ExtendWith(DispatcherExtension.class)
class LargeEventsIT {
    private static final Logger log = LoggerFactory.getLogger(LargeEventsIT.class);
    private static final Pattern PORT = Pattern.compile("management on \\S*?:(\\d+)");
    private static final Pattern HEAP =
            Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"} (\\S+)$");
    private static final Pattern LIVE = Pattern.compile("(?m)^jvm_gc_live_data_size_bytes (\\S+)$");
    private static final Pattern BUFFERED = Pattern.compile("(?m)^webhook_buffered_bytes\\{loop=\"[^\"]+\"} (\\S+)$");

    @Test
    void shouldDeliverEveryLargeEventToTheHealthySubscriptionsWithoutRunningOutOfMemory(DispatcherFixture dispatcher)
            throws Exception {
        // given: 1,500 events of ~200 KiB (~290 MiB, more than the 256 MiB heap), four subscriptions, one never answers
        int events = 1500;
        int size = 200 * 1024;
        dispatcher.receiver().keepBodyPrefix(512).hang("/hung");
        dispatcher
                .with("delivery.requestTimeout", "5s")
                // long enough that a healthy subscription whose circuit opens in a stall of a busy CI machine gets
                // its deferrals retried, not dead-lettered (the fixture's 300 ms schedule is shorter than a cool-down)
                .with("retry.schedule", "[1s, 5s, 10s, 30s]")
                .subscription("a", "/a", "[\"*\"]")
                .subscription("b", "/b", "[\"*\"]")
                .subscription("c", "/c", "[\"*\"]")
                .subscription("hung", "/hung", "[\"*\"]")
                .createEventsTopic();
        dispatcher.produce(events, List.of("person.updated"), size);

        // when
        try (DispatcherProcess process = dispatcher.startProcess()) {
            int port = await().atMost(Duration.ofSeconds(60)).until(() -> managementPort(process), p -> p > 0);
            var peakHeap = new AtomicLong();
            var peakLive = new AtomicLong();
            var peakBuffered = new AtomicLong();

            // then: the healthy subscriptions get everything while the heap stays under its limit
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        sample(port, peakHeap, peakLive, peakBuffered);
                        assertThat(process.isAlive())
                                .as("dispatcher alive:\n%s", tail(process))
                                .isTrue();
                        for (String path : List.of("/a", "/b", "/c")) {
                            assertThat(dispatcher.receivedIds(path)).as(path).hasSize(events);
                        }
                    });
            log.info(
                    "{} events of {} KiB: peak heap used {} MiB (live after GC {} MiB), peak buffered {} MiB"
                            + " (bound 64 MiB)",
                    events,
                    size / 1024,
                    peakHeap.get() >> 20,
                    peakLive.get() >> 20,
                    peakBuffered.get() >> 20);
            assertThat(process.output()).doesNotContain("OutOfMemoryError");
            // one poll (fetch.max.bytes, 8 MiB) past the 3/4 share at most
            assertThat(peakBuffered.get()).isLessThan((48L + 8 + 1) << 20);
        }
    }

    private static int managementPort(DispatcherProcess process) {
        Matcher m = PORT.matcher(process.output());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static void sample(int port, AtomicLong peakHeap, AtomicLong peakLive, AtomicLong peakBuffered) {
        String metrics;
        try {
            metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return; // not up yet, or busy: the next sample
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        peakHeap.accumulateAndGet(sum(HEAP, metrics), Math::max);
        peakLive.accumulateAndGet(sum(LIVE, metrics), Math::max);
        peakBuffered.accumulateAndGet(sum(BUFFERED, metrics), Math::max);
    }

    private static long sum(Pattern p, String text) {
        Matcher m = p.matcher(text);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return (long) total;
    }

    private static String tail(DispatcherProcess process) {
        String out = process.output();
        return out.substring(Math.max(0, out.length() - 3000));
    }
}
