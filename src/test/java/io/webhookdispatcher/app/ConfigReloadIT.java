package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.config.ConfigLoader;
import io.webhookdispatcher.testkit.KafkaBroker;
import io.webhookdispatcher.testkit.KafkaBrokerExtension;
import io.webhookdispatcher.testkit.KafkaIO;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Subscriptions change without a restart when the config file changes, as a ConfigMap update does. */
@ExtendWith(KafkaBrokerExtension.class)
class ConfigReloadIT {

    @Test
    void shouldApplyAddedChangedAndRemovedSubscriptionsAndRejectAnInvalidEdit(KafkaBroker broker, @TempDir Path dir)
            throws Exception {
        String run = "reload-" + UUID.randomUUID().toString().substring(0, 8);
        String head = """
                kafka: {bootstrapServers: %s, groupId: %s}
                topics: {events: %s.events, retry: %s.retry, deadLetter: %s.dlt, create: true, partitions: 1, replicationFactor: 1}
                management: {port: 0}
                reload: {interval: 200ms}
                subscriptions:
                """.formatted(broker.bootstrapServers(), run, run, run, run);
        try (var receiver = new WebhookReceiver(); var kafka = new KafkaIO(broker.bootstrapServers())) {
            receiver.endpoint("/a", "sa").endpoint("/b", "sb").endpoint("/a2", "sa");
            String a = "  - {id: a, url: \"%s\", secret: sa, events: [\"person.*\"]}\n".formatted(receiver.url("/a"));
            String b = "  - {id: b, url: \"%s\", secret: sb, events: [\"*\"]}\n".formatted(receiver.url("/b"));
            String aMoved = "  - {id: a, url: \"%s\", secret: sa, events: [\"*\"]}\n".formatted(receiver.url("/a2"));
            // the ConfigMap way: a new file swapped in under the watched name
            Path link = dir.resolve("dispatcher.yaml");
            write(dir, link, head + a);
            var loader = new ConfigLoader(Map.<String, String>of()::get);
            var app = new Application(loader.load(link), Clock.systemUTC(), new Application.ConfigSource(link, loader));
            try {
                app.start();
                kafka.send(run + ".events", "1", SampleEvents.event("person.created", "e1"));
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/a").size() == 1);

                // when: a subscription is added
                write(dir, link, head + a + b);
                await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "applied") == 1);
                kafka.send(run + ".events", "2", SampleEvents.event("note.created", "e2"));
                // then
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/b").size() == 1);
                assertThat(receiver.received("/a")).hasSize(1);

                // when: one changes (new URL and filter) and the other is removed
                write(dir, link, head + aMoved);
                await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "applied") == 2);
                kafka.send(run + ".events", "3", SampleEvents.event("note.updated", "e3"));
                // then
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/a2").size() == 1);
                assertThat(receiver.received("/b")).hasSize(1);
                assertThat(receiver.received("/a")).hasSize(1);

                // when: an invalid edit arrives
                write(dir, link, head + "  - {id: a, url: \"not a url\", secret: sa, events: []}\n");
                await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "rejected") == 1);
                kafka.send(run + ".events", "4", SampleEvents.event("company.created", "e4"));
                // then: the previous config keeps running
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received("/a2").size() == 2);
                assertThat(reloads(app, "applied")).isEqualTo(2);
                assertThat(app.registry().get("webhook.subscriptions").gauge().value()).isEqualTo(1.0);
            } finally {
                app.close();
            }
        }
    }

    private static double reloads(Application app, String result) {
        var counter = app.registry().find("webhook.config.reloads").tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void write(Path dir, Path target, String content) throws Exception {
        Path tmp = Files.createTempFile(dir, "next", ".yaml");
        Files.writeString(tmp, content);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
