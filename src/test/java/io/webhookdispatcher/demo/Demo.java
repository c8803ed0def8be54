package io.webhookdispatcher.demo;

import io.webhookdispatcher.app.Application;
import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.EmbeddedKafkaBroker;
import io.webhookdispatcher.testkit.KafkaIO;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code mvn -Pdemo}: the dispatcher end-to-end on this machine alone. Starts Kafka's own broker
 * in-process, a receiver that verifies signatures, loads {@code config/demo.yaml}, publishes sample CRM
 * events and prints what each subscription received and what was dead-lettered. Runs until Ctrl-C;
 * {@code -Ddemo.args=--once} stops after the first batch.
 */
public final class Demo {
    static {
        // as app.Main does: the sender sets the Host header of plain-http requests it pins to a checked address
        if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
            System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        }
    }

    private static final Map<String, String> SECRETS = Map.of(
            "/hooks/crm-sync", "demo-secret-crm-sync-not-for-production",
            "/hooks/audit-log", "demo-secret-audit-log-not-for-production",
            "/hooks/broken", "demo-secret-notes-not-for-production",
            "/hooks/deletions", "demo-secret-deletions-not-for-production");

    public static void main(String[] args) throws Exception {
        boolean once = List.of(args).contains("--once");
        say("starting an in-process Kafka broker (KRaft) ...");
        try (var broker = EmbeddedKafkaBroker.start();
                var receiver = new WebhookReceiver()) {
            SECRETS.forEach(receiver::endpoint);
            receiver.answer("/hooks/broken", 500);
            var env = Map.of("DEMO_BROKER", broker.bootstrapServers(), "DEMO_RECEIVER", receiver.baseUrl());
            // management.port takes no ${...} (only credentials and endpoints do): edit the text instead.
            String yaml = Files.readString(Path.of("config/demo.yaml")).replace("port: 8081", "port: " + freeOr(8081));
            DispatcherConfig config = new ConfigLoader(env::get).parse(yaml, "config/demo.yaml");
            var app = new Application(config, Clock.systemUTC());
            var stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                app.close();
                stopped.countDown();
            }));
            app.start();
            say("dispatcher running; metrics at http://localhost:" + app.managementPort() + "/metrics");
            try (var kafka = new KafkaIO(broker.bootstrapServers())) {
                int batch = 0;
                do {
                    publishBatch(kafka, config.topics().events(), batch++);
                    TimeUnit.SECONDS.sleep(3); // a demo pace, so each summary shows a finished batch
                    report(receiver, kafka.readAll(config.topics().deadLetter()));
                } while (!once && !stopped.await(10, TimeUnit.SECONDS));
            }
            app.close();
        }
        say("done");
    }

    private static void publishBatch(KafkaIO kafka, String topic, int batch) {
        for (String type : SampleEvents.TYPES) {
            String id = type.replace('.', '-') + "-" + batch;
            kafka.sendAsync(topic, id, SampleEvents.event(type, id, 300));
        }
        kafka.sendAsync(topic, "bad-" + batch, "{\"event\": \"person.created\", oops".getBytes(StandardCharsets.UTF_8));
        kafka.flush();
        say("published batch " + batch + ": " + SampleEvents.TYPES.size() + " events " + SampleEvents.TYPES
                + " and 1 malformed record");
    }

    private static void report(WebhookReceiver receiver, List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        Map<String, List<Received>> byPath = receiver.received().stream()
                .collect(Collectors.groupingBy(Received::path, TreeMap::new, Collectors.toList()));
        say("what each subscription's receiver got so far:");
        SECRETS.keySet().stream().sorted().forEach(path -> {
            List<Received> got = byPath.getOrDefault(path, List.of());
            long verified = got.stream().filter(Received::signatureValid).count();
            Map<String, Long> types = got.stream()
                    .collect(Collectors.groupingBy(
                            r -> SampleEvents.typeOf(r.body()), TreeMap::new, Collectors.counting()));
            System.out.printf(
                    "  %-18s %3d requests, %3d signatures verified, answered %s  %s%n",
                    path, got.size(), verified, got.isEmpty() ? "-" : got.get(0).answeredStatus(), types);
        });
        Map<String, Long> reasons = deadLetters.stream()
                .collect(Collectors.groupingBy(
                        r -> WebhookHeaders.get(r.headers(), WebhookHeaders.REASON)
                                        .orElse("?") + " / subscription "
                                + WebhookHeaders.get(r.headers(), WebhookHeaders.SUBSCRIPTION)
                                        .orElse("-"),
                        TreeMap::new,
                        Collectors.counting()));
        say("dead-letter topic: " + deadLetters.size() + " records " + reasons);
    }

    private static int freeOr(int port) {
        try (var socket = new ServerSocket(port)) {
            return port;
        } catch (IOException inUse) {
            return 0;
        }
    }

    private static void say(String line) {
        System.out.println("[demo] " + line);
    }
}
