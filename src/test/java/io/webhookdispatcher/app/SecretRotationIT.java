package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.NodeWebhookReceiver;
import io.webhookdispatcher.testkit.NodeWebhookReceiver.Check;
import io.webhookdispatcher.testkit.NodeWebhookReceiver.Result;
import io.webhookdispatcher.testkit.SampleEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret rotation through a {@code secretFile} laid out as a mounted Kubernetes Secret, with no restart,
 * verified by a Node receiver with the official {@code standardwebhooks} npm package and the code of
 * docs/delivery-contract.md.
 */
@ExtendWith(DispatcherExtension.class)
class SecretRotationIT {
    /** A raw secret (the library's {@code format: "raw"}) and a {@code whsec_} one (base64 after the prefix). */
    private static final String OLD = "the-old-raw-secret-of-24-bytes-or-more";

    private static final String NEW = "whsec_"
            + Base64.getEncoder()
                    .encodeToString(
                            "a-new-random-key-of-32-bytes!!!!".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    private final AtomicInteger version = new AtomicInteger();

    @Test
    void shouldVerifyWithEitherSecretDuringARotationAndOnlyTheNewOneAfter(
            DispatcherFixture dispatcher, @TempDir Path dir) throws Exception {
        // given: receivers that know only the old secret, only the new one, and a Twenty receiver of the new one
        try (var node = new NodeWebhookReceiver(Map.of(
                "/old", Check.standardRaw(OLD),
                "/new", Check.standard(NEW),
                "/twenty", Check.twentyAndStandard(NEW)))) {
            Path secretFile = mountSecret(dir, OLD);
            dispatcher
                    .with("topics.partitions", 1)
                    .with("reload.interval", "200ms")
                    .with("retry.permanentStatuses", "[400, 401]") // a receiver's 401 is dead-lettered at once
                    .subscription(subscription("old", node.url("/old"), "standard-webhooks", secretFile))
                    .subscription(subscription("new", node.url("/new"), "standard-webhooks", secretFile))
                    .subscription(subscription("twenty", node.url("/twenty"), "both", secretFile));
            var app = dispatcher.startWithReload();

            // when: before the rotation
            dispatcher.send("1", SampleEvents.event("person.created", "before"));
            // then: only the old secret's receiver verifies
            assertThat(verified(node, "before"))
                    .containsExactly(Map.entry("/old", true), Map.entry("/new", false), Map.entry("/twenty", false));

            // when: the new secret is added in front of the old one, by a Secret update (a symlink swap)
            mountSecret(dir, NEW + "\n" + OLD + "\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> reloads(app, "applied") == 1);
            dispatcher.send("2", SampleEvents.event("person.created", "during"));
            // then: a receiver of either secret verifies (two v1 entries), and the Twenty one with the current secret
            assertThat(verified(node, "during"))
                    .containsExactly(Map.entry("/old", true), Map.entry("/new", true), Map.entry("/twenty", true));

            // when: the old secret is dropped
            mountSecret(dir, NEW);
            await().atMost(Duration.ofSeconds(10)).until(() -> reloads(app, "applied") == 2);
            dispatcher.send("3", SampleEvents.event("person.created", "after"));
            // then: only the new one verifies
            assertThat(verified(node, "after"))
                    .containsExactly(Map.entry("/old", false), Map.entry("/new", true), Map.entry("/twenty", true));

            // when: the Secret is updated with a weak secret
            mountSecret(dir, "short");
            await().atMost(Duration.ofSeconds(10)).until(() -> reloads(app, "rejected") == 1);
            dispatcher.send("4", SampleEvents.event("person.created", "rejected"));
            // then: the last good secret stays
            assertThat(verified(node, "rejected"))
                    .containsExactly(Map.entry("/old", false), Map.entry("/new", true), Map.entry("/twenty", true));
            assertThat(reloads(app, "applied")).isEqualTo(2);
        }
    }

    private static Map<String, Object> subscription(String id, String url, String scheme, Path secretFile) {
        var entry = new LinkedHashMap<String, Object>();
        entry.put("id", id);
        entry.put("url", url);
        entry.put("signature", scheme);
        entry.put("secretFile", secretFile.toString());
        entry.put("events", List.of("*"));
        return entry;
    }

    /**
     * Writes {@code content} as the kubelet updates a Secret volume: a new timestamped directory, then an atomic
     * swap of the {@code ..data} symlink that the key's own symlink points through. Returns the key's path.
     */
    private Path mountSecret(Path dir, String content) throws Exception {
        Path data = Files.createDirectory(dir.resolve("..2026_" + version.incrementAndGet()));
        Files.writeString(data.resolve("signing-secrets"), content);
        Path next = Files.createSymbolicLink(dir.resolve("..data_tmp"), data.getFileName());
        Files.move(next, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path key = dir.resolve("signing-secrets");
        if (!Files.exists(key, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(key, Path.of("..data", "signing-secrets"));
        }
        return key;
    }

    /** Waits for the event at each of the three receivers, and tells which verified it. */
    private static Map<String, Boolean> verified(NodeWebhookReceiver node, String eventId) {
        var byPath = new LinkedHashMap<String, Boolean>();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Result> results = node.results().stream()
                    .filter(r -> SampleEvents.idOf(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                            .equals(eventId))
                    .toList();
            assertThat(results).extracting(Result::path).containsExactlyInAnyOrder("/old", "/new", "/twenty");
            byPath.clear();
            for (String path : List.of("/old", "/new", "/twenty")) {
                Result r = results.stream()
                        .filter(x -> x.path().equals(path))
                        .findFirst()
                        .orElseThrow();
                byPath.put(path, r.standard() && (r.twenty() == null || r.twenty()));
            }
        });
        return byPath;
    }

    private static double reloads(Application app, String result) {
        var counter = app.registry()
                .find("webhook.config.reloads")
                .tag("result", result)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
