package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.store.KeyFile;
import io.webhookdispatcher.store.SecretCipher;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.LogCapture;
import io.webhookdispatcher.testkit.SampleEvents;
import io.webhookdispatcher.testkit.WebhookReceiver.Received;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscription's life in topics.subscriptions, managed with the {@code subscriptions} command against a real
 * broker, served by two dispatchers of one group: created, changed mid-stream, rebuilt by a restart, deleted.
 */
@ExtendWith(DispatcherExtension.class)
class SubscriptionStoreIT {
    private static final String S1 = "whsec_" + Base64.getEncoder().encodeToString(bytes(1));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String S2 = "whsec_" + Base64.getEncoder().encodeToString(bytes(2));

    @TempDir
    Path dir;

    @Test
    void shouldServeARunTimeSubscriptionOnEveryReplicaFromCreateToDelete(DispatcherFixture dispatcher)
            throws Exception {
        // given: two dispatchers of one group on one subscriptions topic, with a key; retries 2 s apart
        Path keys = Files.writeString(
                dir.resolve("keys"), "k1=" + Base64.getEncoder().encodeToString(bytes(9)));
        dispatcher
                .with("topics.subscriptions", dispatcher.run() + ".subscriptions")
                .with("topics.partitions", 2)
                .with("admin.encryptionKeyFile", keys.toString())
                .with("retry.schedule", "[2s, 2s]");
        dispatcher.receiver().endpoint("/v1", S1).endpoint("/v2", S2);
        Path config = dispatcher.writeConfig();
        try (var logs = new LogCapture()) {
            serveFromCreateToDelete(dispatcher, config);

            // and: no secret in clear in the logs
            assertThat(logs.text()).doesNotContain(S1.substring(6)).doesNotContain(S2.substring(6));
        }
    }

    private void serveFromCreateToDelete(DispatcherFixture dispatcher, Path config) throws Exception {
        var one = dispatcher.start();
        var two = dispatcher.start();

        // when: an operator creates a subscription
        long created = System.nanoTime();
        cli(
                config,
                "create",
                "tenant",
                "--url",
                dispatcher.receiver().url("/v1"),
                "--event",
                "*",
                "--secret-file",
                secretFile("s1", S1));
        long written = System.nanoTime();
        await().atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> applied(one) == 1 && applied(two) == 1);
        long applied = System.nanoTime();
        dispatcher.send("first", SampleEvents.event("person.created", "first"));

        // then: delivered within 2 s of the acknowledged create, by whichever replica owns its partition; both
        // replicas applied it
        await().atMost(Duration.ofSeconds(2))
                .until(() -> dispatcher.receivedIds("/v1").contains("first"));
        long delivered = System.nanoTime();
        assertThat(Duration.ofNanos(delivered - written)).isLessThan(Duration.ofSeconds(2));
        System.out.printf(
                "subscriptions create: the command took %d ms (its Kafka clients, fencing, acks=all); applied on"
                        + " both replicas %d ms and first delivery %d ms after it returned%n",
                (written - created) / 1_000_000, (applied - written) / 1_000_000, (delivered - written) / 1_000_000);

        // when: events flow while its URL and secret change
        var stream = new Thread(() -> IntStream.range(0, 150).forEach(i -> {
            dispatcher.send("m" + i, SampleEvents.event("person.updated", "m" + i));
            pause(10);
        }));
        stream.start();
        pause(500);
        cli(
                config,
                "update",
                "tenant",
                "--url",
                dispatcher.receiver().url("/v2"),
                "--secret-file",
                secretFile("s2", S2),
                "--if-version",
                "1");
        stream.join();

        // then: nothing lost, and every request verifies with the secret of the URL it went to
        Set<String> sent = IntStream.range(0, 150).mapToObj(i -> "m" + i).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.receivedIds().containsAll(sent));
        assertThat(dispatcher.receiver().received())
                .allSatisfy(r -> assertThat(r.signatureValid())
                        .as(r.path() + " " + SampleEvents.idOf(r.body()))
                        .isTrue());
        assertThat(dispatcher.receivedIds("/v1")).as("before the update").containsAnyElementsOf(sent);
        assertThat(dispatcher.receivedIds("/v2")).as("after the update").containsAnyElementsOf(sent);
        assertThat(dispatcher.receiver().received("/v2")).noneMatch(r -> signedWith(S1, r));

        // when: both replicas restart
        one.close();
        two.close();
        var three = dispatcher.start();

        // then: the restarted one rebuilt the same view: the changed subscription, not the first version
        assertThat(applied(three)).isEqualTo(1);
        dispatcher.send("after-restart", SampleEvents.event("person.created", "after-restart"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.receivedIds("/v2").contains("after-restart"));

        // when: a delivery waits for its retry, and the subscription is deleted
        dispatcher.receiver().answer("/v2", 500);
        dispatcher.send("doomed", SampleEvents.event("person.created", "doomed"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.receivedIds("/v2").contains("doomed"));
        cli(config, "delete", "tenant");
        await().atMost(Duration.ofSeconds(1)).until(() -> applied(three) == 0);
        int before = dispatcher.receiver().received().size();
        dispatcher.send("gone", SampleEvents.event("person.created", "gone"));

        // then: its retry is dead-lettered subscription-removed, and nothing more is delivered
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.deadLetters().stream()
                        .anyMatch(d -> "subscription-removed".equals(DispatcherFixture.header(d, WebhookHeaders.REASON))
                                && "tenant".equals(DispatcherFixture.header(d, WebhookHeaders.SUBSCRIPTION))));
        pause(1000);
        assertThat(dispatcher.receiver().received()).hasSize(before);

        // and: the topic never held a secret in clear
        String topic = dispatcher.kafka().readAll(dispatcher.run() + ".subscriptions").stream()
                .filter(r -> r.value() != null)
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("\n"));
        assertThat(topic).contains("enc:v1:k1:").doesNotContain(S1.substring(6)).doesNotContain(S2.substring(6));
        // nor in the metrics, nor in a dead letter
        assertThat(three.registry().scrape()).doesNotContain(S2.substring(6)).doesNotContain("enc:v1");
        assertThat(dispatcher.deadLetters())
                .allSatisfy(d -> assertThat(new String(d.value(), StandardCharsets.UTF_8)
                                + java.util.Arrays.toString(d.headers().toArray()))
                        .doesNotContain(S2.substring(6))
                        .doesNotContain("enc:v1"));
    }

    @Test
    void shouldReadTenThousandSubscriptionsWithinFiveSeconds(DispatcherFixture dispatcher) throws Exception {
        // given: a compacted topic of 10,000 subscriptions, secrets sealed
        Path keys = Files.writeString(
                dir.resolve("keys"), "k1=" + Base64.getEncoder().encodeToString(bytes(9)));
        String topic = dispatcher.run() + ".subscriptions";
        dispatcher.with("topics.subscriptions", topic).with("admin.encryptionKeyFile", keys.toString());
        var config = dispatcher.config();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", dispatcher.broker().bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)
                            .configs(java.util.Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get();
        }
        var schema = new StoredSchema(
                config.subscriptionDefaults(),
                new SecretCipher(new KeyFile(Optional.of(keys), Clock.systemUTC()), new SecureRandom()),
                topic);
        Instant now = Instant.now();
        for (int i = 0; i < 10_000; i++) {
            String id = String.format("s-%05d", i);
            var spec = JSON.createObjectNode()
                    .put("id", id)
                    .put("url", "https://hooks.example.com/" + id)
                    .put("secret", S1);
            spec.putArray("events").add("person.*");
            var record = new StoredSubscription(id, schema.seal(spec, id), "", now, now, 1);
            dispatcher.kafka().sendAsync(topic, id, record.toJson());
        }
        dispatcher.kafka().flush();

        // when: read to the end as a replica reads it at start-up (the command's reader is the same store)
        long start = System.nanoTime();
        try (SubscriptionAdmin reader = StoreWiring.admin(config)) {
            Duration read = Duration.ofNanos(System.nanoTime() - start);

            // then
            System.out.printf("read 10,000 subscriptions (decrypted and validated) in %d ms%n", read.toMillis());
            assertThat(reader.records()).hasSize(10_000);
            assertThat(read).isLessThanOrEqualTo(Duration.ofSeconds(5));
        }

        // and: a dispatcher starts with all of them applied
        long starting = System.nanoTime();
        var app = dispatcher.start();
        System.out.printf(
                "a dispatcher started with 10,000 stored subscriptions in %d ms%n",
                (System.nanoTime() - starting) / 1_000_000);
        assertThat(applied(app)).isEqualTo(10_000);
    }

    private Path secretFile(String name, String secret) throws Exception {
        return Files.writeString(dir.resolve(name), secret + "\n");
    }

    /** The command as an operator runs it in a pod: the real backend, against the broker. */
    private static void cli(Path config, String command, Object... args) {
        var all = new ArrayList<>(List.of("subscriptions", command, "--config", config.toString()));
        for (Object a : args) {
            all.add(a.toString());
        }
        var out = new ByteArrayOutputStream();
        int exit = Main.run(
                all.toArray(String[]::new),
                name -> null,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
    }

    private static double applied(Application app) {
        var gauge = app.registry().find("webhook.store.subscriptions").gauge();
        return gauge == null ? -1 : gauge.value();
    }

    private static boolean signedWith(String secret, Received r) {
        return io.webhookdispatcher.testkit.WebhookReceiver.verifies(secret, r.timestamp(), r.signature(), r.body());
    }

    private static byte[] bytes(int seed) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) seed);
        return b;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // pacing a stream of events, not waiting for an outcome
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
