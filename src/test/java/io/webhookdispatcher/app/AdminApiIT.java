package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.retry.WebhookHeaders;
import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.LogCapture;
import io.webhookdispatcher.testkit.WebhookReceiver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API against a real broker, over real HTTP, served by two dispatchers of one group: a workspace's
 * subscription created on one replica and served by the other, changed mid-stream, deleted; refused requests that
 * change nothing; secrets that never show in clear; and the latency of creates under load.
 */
@ExtendWith(DispatcherExtension.class)
class AdminApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/v1/subscriptions";
    private static final String TOKEN = "t".repeat(20) + "0123456789abcdef";
    private static final String S1 = "whsec_" + Base64.getEncoder().encodeToString(bytes(1));
    private static final String S2 = "whsec_" + Base64.getEncoder().encodeToString(bytes(2));
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldServeAnApiSubscriptionOnBothReplicasFromCreateToDelete(DispatcherFixture dispatcher) throws Exception {
        // given: two replicas with the admin API
        configure(dispatcher);
        dispatcher.receiver().endpoint("/v1", S1).endpoint("/v2", S2).endpoint("/all", S1);
        try (var logs = new LogCapture()) {
            var one = dispatcher.start();
            var two = dispatcher.start();

            // when: a subscription is created on one replica
            long start = System.nanoTime();
            var created = call(
                    one,
                    "POST",
                    "/v1/subscriptions",
                    body(
                            "{\"id\":\"tenant\",\"workspaceId\":\"w-1\",\"url\":\"%s\",\"events\":[\"*\"],\"secret\":\"%s\",\"description\":\"t\"}",
                            dispatcher.receiver().url("/v1"), S1));
            long acknowledged = System.nanoTime();

            // then: 201 with its version; the other replica serves it within a second
            assertThat(created.status()).as(created.text()).isEqualTo(201);
            assertThat(created.json().path("version").asLong()).isEqualTo(1);
            assertThat(created.json().path("secret").asText()).isEqualTo(S1);
            await().atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() ->
                            call(two, "GET", "/v1/subscriptions/tenant", null).status() == 200);
            long onTwo = System.nanoTime();
            dispatcher.send("first", event("person.created", "first"));
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> dispatcher.receivedIds("/v1").contains("first"));
            long delivered = System.nanoTime();
            System.out.printf(
                    "admin API create: answered in %d ms; served by the other replica %d ms and first delivery %d ms"
                            + " after the answer%n",
                    (acknowledged - start) / 1_000_000,
                    (onTwo - acknowledged) / 1_000_000,
                    (delivered - acknowledged) / 1_000_000);
            assertThat(Duration.ofNanos(delivered - acknowledged)).isLessThan(Duration.ofSeconds(2));

            // when: events flow while its URL and secret change on the other replica
            var stream = new Thread(() -> IntStream.range(0, 150).forEach(i -> {
                dispatcher.send("m" + i, event("person.updated", "m" + i));
                pause(10);
            }));
            stream.start();
            pause(500);
            var patched = call(
                    two,
                    "PATCH",
                    "/v1/subscriptions/tenant",
                    body(
                            "{\"url\":\"%s\",\"secret\":\"%s\"}",
                            dispatcher.receiver().url("/v2"), S2),
                    "If-Match",
                    "\"1\"");
            stream.join();

            // then: nothing lost; every request verifies with the secret of its URL; none signed with the old one
            assertThat(patched.status()).as(patched.text()).isEqualTo(200);
            assertThat(patched.json().path("version").asLong()).isEqualTo(2);
            Set<String> sent = IntStream.range(0, 150).mapToObj(i -> "m" + i).collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dispatcher.receivedIds().containsAll(sent));
            assertThat(dispatcher.receiver().received())
                    .allSatisfy(r -> assertThat(r.signatureValid()).isTrue());
            assertThat(dispatcher.receivedIds("/v1")).containsAnyElementsOf(sent);
            assertThat(dispatcher.receivedIds("/v2")).containsAnyElementsOf(sent);
            assertThat(dispatcher.receiver().received("/v2"))
                    .noneMatch(r -> WebhookReceiver.verifies(S1, r.timestamp(), r.signature(), r.body()));

            // when: its filter changes, and a witness subscription gets every event
            var filtered = call(
                    one,
                    "PATCH",
                    "/v1/subscriptions/tenant",
                    body("{\"filter\":\"data.id.startsWith('keep')\"}"),
                    "If-Match",
                    "\"2\"");
            assertThat(filtered.status()).as(filtered.text()).isEqualTo(200);
            var witness = call(
                    one,
                    "POST",
                    "/v1/subscriptions",
                    body(
                            "{\"id\":\"witness\",\"workspaceId\":\"w-1\",\"url\":\"%s\",\"events\":[\"*\"],\"secret\":\"%s\"}",
                            dispatcher.receiver().url("/all"), S1));
            assertThat(witness.status()).as(witness.text()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(1))
                    .until(() ->
                            call(two, "GET", "/v1/subscriptions/witness", null).status() == 200);
            List<String> mixed = List.of("keep-1", "drop-1", "keep-2", "drop-2");
            mixed.forEach(id -> dispatcher.send(id, event("person.updated", id)));

            // then: the tenant gets only what its filter keeps
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dispatcher.receivedIds("/all").containsAll(mixed));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> dispatcher.receivedIds("/v2").containsAll(List.of("keep-1", "keep-2")));
            assertThat(dispatcher.receivedIds("/v2")).doesNotContain("drop-1", "drop-2");

            // when: it is deleted on one replica
            var deleted = call(two, "DELETE", "/v1/subscriptions/tenant", null);
            assertThat(deleted.status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(1))
                    .until(() ->
                            call(one, "GET", "/v1/subscriptions/tenant", null).status() == 404);
            List<String> after = List.of("keep-after-1", "keep-after-2", "keep-after-3");
            after.forEach(id -> dispatcher.send(id, event("person.updated", id)));

            // then: the witness gets them, the deleted subscription nothing more
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> dispatcher.receivedIds("/all").containsAll(after));
            assertThat(dispatcher.receivedIds("/v2")).doesNotContainAnyElementsOf(after);

            // and: a restarted replica rebuilds the same view
            two.close();
            var three = dispatcher.start();
            var rebuilt = call(three, "GET", "/v1/subscriptions", null);
            assertThat(rebuilt.json().path("data").findValuesAsText("id")).containsExactly("witness");

            // and: no secret in clear on the topic, in the logs, the metrics or the dead letters
            String topic = dispatcher.kafka().readAll(dispatcher.run() + ".subscriptions").stream()
                    .filter(r -> r.value() != null)
                    .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("\n"));
            assertThat(topic)
                    .contains("enc:v1:k1:")
                    .doesNotContain(S1.substring(6))
                    .doesNotContain(S2.substring(6));
            assertThat(logs.text()).doesNotContain(S1.substring(6)).doesNotContain(S2.substring(6));
            assertThat(three.registry().scrape())
                    .doesNotContain(S2.substring(6))
                    .doesNotContain("enc:v1");
            assertThat(dispatcher.deadLetters())
                    .allSatisfy(d -> assertThat(new String(d.value(), StandardCharsets.UTF_8))
                            .doesNotContain(S2.substring(6)));
        }
    }

    @Test
    void shouldNeverGiveARecreatedSubscriptionTheRetriesOfTheDeletedOne(DispatcherFixture dispatcher) throws Exception {
        // given: a subscription whose endpoint fails, so its event waits for a retry (2 s)
        configure(dispatcher);
        dispatcher.receiver().endpoint("/old", S1).endpoint("/new", S2).answer("/old", 500);
        var app = dispatcher.start();
        String create =
                "{\"id\":\"tenant\",\"workspaceId\":\"w-1\",\"url\":\"%s\",\"events\":[\"*\"],\"secret\":\"%s\"}";
        assertThat(call(app, "POST", PATH, body(create, dispatcher.receiver().url("/old"), S1))
                        .status())
                .isEqualTo(201);
        dispatcher.send("e1", event("person.created", "e1"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.receivedIds("/old").contains("e1"));
        pause(1500); // past the 1 s margin RetryIntake allows for two replicas' clocks

        // when: it is deleted and created again under the same id, to another endpoint
        assertThat(call(app, "DELETE", PATH + "/tenant", null).status()).isEqualTo(204);
        assertThat(call(app, "POST", PATH, body(create, dispatcher.receiver().url("/new"), S2))
                        .status())
                .isEqualTo(201);
        dispatcher.send("e2", event("person.created", "e2"));

        // then: the old one's retry is dead-lettered subscription-removed; the new one gets only its own events
        await().atMost(Duration.ofSeconds(15))
                .until(() -> dispatcher.deadLetters().stream()
                        .anyMatch(d -> "subscription-removed".equals(DispatcherFixture.header(d, WebhookHeaders.REASON))
                                && "tenant".equals(DispatcherFixture.header(d, WebhookHeaders.SUBSCRIPTION))));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> dispatcher.receivedIds("/new").contains("e2"));
        assertThat(dispatcher.receivedIds("/new")).doesNotContain("e1");
    }

    @Test
    void shouldRefuseWithoutATokenAndChangeNothing(DispatcherFixture dispatcher) throws Exception {
        // given
        configure(dispatcher);
        var app = dispatcher.start();
        String create = body(
                "{\"id\":\"x\",\"url\":\"%s\",\"events\":[\"*\"]}",
                dispatcher.receiver().url("/x"));

        // when: no token, a wrong one, a prefix of the right one, another scheme
        List<Reply> refused = new ArrayList<>();
        for (String auth : List.of("", "Bearer wrong", "Bearer " + TOKEN.substring(0, 20), "Basic " + TOKEN)) {
            refused.add(send(app, "POST", "/v1/subscriptions", create, auth));
            refused.add(send(app, "GET", "/v1/subscriptions/x/secret", null, auth));
            refused.add(send(app, "DELETE", "/v1/subscriptions/x", null, auth));
        }

        // then: 401 problems, and the topic holds nothing
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.contentType()).isEqualTo("application/problem+json");
            assertThat(r.json().path("type").asText()).endsWith("/unauthorized");
        });
        assertThat(dispatcher.kafka().readAll(dispatcher.run() + ".subscriptions"))
                .isEmpty();

        // and: the OpenAPI document needs no token
        assertThat(send(app, "GET", "/v1/openapi.json", null, "")
                        .json()
                        .path("openapi")
                        .asText())
                .isEqualTo("3.1.0");
    }

    @Test
    void shouldAnswerEveryBadRequestWithAPreciseProblem(DispatcherFixture dispatcher) throws Exception {
        // given: one subscription at version 1
        configure(dispatcher);
        var app = dispatcher.start();
        String url = dispatcher.receiver().url("/a");
        assertThat(call(
                                app,
                                "POST",
                                "/v1/subscriptions",
                                body("{\"id\":\"a\",\"workspaceId\":\"w-1\",\"url\":\"%s\",\"events\":[\"*\"]}", url))
                        .status())
                .isEqualTo(201);

        // when / then: each endpoint, a request it refuses, the status, problem type and pointer expected
        record Bad(String method, String path, String body, int status, String type, String pointer) {}
        String w = "{\"workspaceId\":\"w\",";
        List<Bad> bad = List.of(
                new Bad(
                        "POST",
                        PATH,
                        w + "\"url\":\"http://169.254.169.254/latest\",\"events\":[\"*\"]}",
                        422,
                        "invalid-subscription",
                        "/url"),
                new Bad(
                        "POST",
                        PATH,
                        w + "\"url\":\"http://10.0.0.7/hook\",\"events\":[\"*\"]}",
                        422,
                        "invalid-subscription",
                        "/url"),
                new Bad("POST", PATH, w + "\"url\":\"" + url + "\"}", 422, "invalid-subscription", "/events"),
                new Bad(
                        "POST",
                        PATH,
                        "{\"url\":\"" + url + "\",\"events\":[\"*\"]}",
                        422,
                        "invalid-subscription",
                        "/workspaceId"),
                new Bad(
                        "POST",
                        PATH,
                        w + "\"url\":\"" + url + "\",\"events\":[\"*\"],"
                                + "\"filter\":\"[1].all(a, [1].all(b, a == b))\"}",
                        422,
                        "invalid-subscription",
                        "/filter"),
                new Bad("POST", PATH, "not json", 400, "malformed-request", null),
                new Bad(
                        "POST",
                        PATH,
                        w + "\"id\":\"a\",\"url\":\"" + url + "\",\"events\":[\"*\"]}",
                        409,
                        "conflict",
                        null),
                new Bad("GET", PATH + "?limit=0", null, 400, "malformed-request", null),
                new Bad("GET", PATH + "/nope", null, 404, "not-found", null),
                new Bad(
                        "PUT",
                        PATH + "/a",
                        w + "\"url\":\"" + url + "\",\"events\":[\"*\"],\"tls\":{}}",
                        422,
                        "invalid-subscription",
                        "/tls"),
                new Bad("PATCH", PATH + "/a", "{\"maxInFlight\":0}", 422, "invalid-subscription", "/maxInFlight"),
                new Bad("PATCH", PATH + "/a", "{\"workspaceId\":null}", 422, "invalid-subscription", "/workspaceId"),
                new Bad("DELETE", PATH + "/nope", null, 404, "not-found", null),
                new Bad("POST", PATH + "/nope/test", null, 404, "not-found", null),
                new Bad(
                        "POST",
                        PATH + "/a/rotate-secret",
                        "{\"overlap\":\"30d\"}",
                        422,
                        "invalid-subscription",
                        "/overlap"),
                new Bad("GET", PATH + "/nope/secret", null, 404, "not-found", null),
                new Bad("GET", PATH + "/nope/health", null, 404, "not-found", null),
                new Bad("POST", PATH + "/a/health", null, 405, "method-not-allowed", null),
                new Bad("POST", "/v1/openapi.json", null, 405, "method-not-allowed", null),
                new Bad(
                        "POST",
                        PATH,
                        "{\"description\":\"" + "x".repeat(70_000) + "\"}",
                        413,
                        "request-too-large",
                        null));
        for (Bad b : bad) {
            var reply = call(app, b.method(), b.path(), b.body());
            assertThat(reply.status()).as(b + " → " + reply.text()).isEqualTo(b.status());
            assertThat(reply.contentType()).as(b.toString()).isEqualTo("application/problem+json");
            assertThat(reply.json().path("type").asText()).as(b.toString()).endsWith("/" + b.type());
            assertThat(reply.json().path("detail").asText()).as(b.toString()).isNotBlank();
            if (b.pointer() != null) {
                assertThat(reply.json().path("errors").findValuesAsText("pointer"))
                        .as(b + " → " + reply.text())
                        .contains(b.pointer());
            }
        }

        // and: a stale If-Match is 412 and changes nothing
        var stale = call(app, "PATCH", "/v1/subscriptions/a", body("{\"enabled\":false}"), "If-Match", "\"7\"");
        assertThat(stale.status()).isEqualTo(412);
        assertThat(call(app, "GET", "/v1/subscriptions/a", null)
                        .json()
                        .path("version")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void shouldTestRotateAndMeasureCreatesUnderLoad(DispatcherFixture dispatcher) throws Exception {
        // given
        configure(dispatcher);
        dispatcher.with("tenancy.maxSubscriptionsPerWorkspace", 1000);
        dispatcher.receiver().endpoint("/t", S1);
        var app = dispatcher.start();
        var created = call(
                app,
                "POST",
                "/v1/subscriptions",
                body(
                        "{\"id\":\"t\",\"workspaceId\":\"w-1\",\"url\":\"%s\",\"events\":[\"*\"],\"secret\":\"%s\"}",
                        dispatcher.receiver().url("/t"), S1));
        assertThat(created.status()).isEqualTo(201);

        // when: a test event is sent
        var test = call(app, "POST", "/v1/subscriptions/t/test", null);

        // then: the receiver's status and the latency, and it got a signed webhook.test
        assertThat(test.status()).as(test.text()).isEqualTo(200);
        assertThat(test.json().path("delivered").asBoolean()).isTrue();
        assertThat(test.json().path("status").asInt()).isEqualTo(200);
        assertThat(dispatcher.receiver().received("/t")).anySatisfy(r -> {
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"eventName\":\"webhook.test\"");
            assertThat(r.signatureValid()).isTrue();
        });

        // when: the secret is rotated with an overlap
        var rotated = call(app, "POST", "/v1/subscriptions/t/rotate-secret", body("{\"overlap\":\"1h\"}"));
        var read = call(app, "GET", "/v1/subscriptions/t/secret", null);

        // then: the new secret, shown there and by GET …/secret; the old one still counted
        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        assertThat(rotated.json().path("secret").asText()).startsWith("whsec_").isNotEqualTo(S1);
        assertThat(rotated.json().path("secretCount").asInt()).isEqualTo(2);
        assertThat(read.json().path("secret").asText())
                .isEqualTo(rotated.json().path("secret").asText());

        // when: 4 clients create 400 subscriptions of one workspace
        int clients = 4;
        int perClient = 100;
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> work = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            work.add(pool.submit(() -> {
                for (int i = 0; i < perClient; i++) {
                    long t0 = System.nanoTime();
                    var r = call(
                            app,
                            "POST",
                            "/v1/subscriptions",
                            body(
                                    "{\"workspaceId\":\"w-load\",\"url\":\"https://hooks.example.com/%d/%d\",\"events\":[\"*\"]}",
                                    client, i));
                    latencies.add(System.nanoTime() - t0);
                    assertThat(r.status()).as(r.text()).isEqualTo(201);
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();

        // then: all of them listed for the workspace, page by page
        int listed = 0;
        String after = null;
        do {
            var page = call(
                    app,
                    "GET",
                    "/v1/subscriptions?workspaceId=w-load&limit=250" + (after == null ? "" : "&after=" + after),
                    null);
            listed += page.json().path("data").size();
            after = page.json().path("next").isNull()
                    ? null
                    : page.json().path("next").asText();
        } while (after != null);
        assertThat(listed).isEqualTo(clients * perClient);
        List<Long> sorted = latencies.stream().sorted().toList();
        System.out.printf(
                "admin API under load: %d creates by %d clients in %.2f s = %.0f creates/s; latency p50 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms%n",
                sorted.size(),
                clients,
                seconds,
                sorted.size() / seconds,
                sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6,
                sorted.get(sorted.size() - 1) / 1e6);
    }

    private void configure(DispatcherFixture dispatcher) throws Exception {
        Path keys = Files.writeString(
                dir.resolve("keys"), "k1=" + Base64.getEncoder().encodeToString(bytes(9)));
        Path tokens = Files.writeString(dir.resolve("tokens"), TOKEN + "\n");
        dispatcher
                .with("topics.subscriptions", dispatcher.run() + ".subscriptions")
                .with("topics.partitions", 2)
                .with("admin.port", 0)
                .with("admin.address", "127.0.0.1")
                .with("admin.tokensFile", tokens.toString())
                .with("admin.encryptionKeyFile", keys.toString())
                .with("retry.schedule", "[2s, 2s]");
    }

    /** An event of workspace w-1, as the CRM's docs shape it, with {@code id} where the receiver looks for it. */
    private static byte[] event(String type, String id) {
        return ("{\"event\":\"" + type + "\",\"data\":{\"id\":\"" + id + "\",\"name\":\"Ada\"},"
                        + "\"workspaceId\":\"w-1\",\"timestamp\":\"" + java.time.Instant.now() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String body(String format, Object... args) {
        return String.format(format, args);
    }

    /** A reply, its body parsed when it is JSON. */
    record Reply(int status, String contentType, String text) {
        JsonNode json() {
            try {
                return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }
    }

    private Reply call(Application app, String method, String path, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + TOKEN;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return exchange(app, method, path, body, all);
    }

    private Reply send(Application app, String method, String path, String body, String authorization) {
        return authorization.isEmpty()
                ? exchange(app, method, path, body)
                : exchange(app, method, path, body, "Authorization", authorization);
    }

    private Reply exchange(Application app, String method, String path, String body, String... headers) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.adminPort() + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header(
                    "Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // paces the event stream; never stands in for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bytes(int seed) {
        byte[] b = new byte[32];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
