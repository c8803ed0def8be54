package io.webhookdispatcher.admin;

import static io.webhookdispatcher.admin.AdminFixture.json;
import static io.webhookdispatcher.admin.AdminFixture.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.testkit.FakeSender;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** {@code /v1/subscriptions} as a tenant's client calls it, over a topic kept in memory. */
class SubscriptionsApiTest {
    private static final String PATH = "/v1/subscriptions";
    private static final String PROBLEMS = "https://webhook-dispatcher.dev/problems/";
    private static final String CRM = """
            {"workspaceId": "ws-1", "url": "https://hooks.example.com/crm", "events": ["person.*"],
             "description": "CRM sync"}""";

    private final AdminFixture fixture = new AdminFixture();

    @Test
    void shouldCreateWithAGeneratedIdAndSecretAtVersionOne() {
        Answer answer = fixture.call("POST", PATH, CRM);

        assertThat(answer.status()).isEqualTo(201);
        JsonNode body = json(answer);
        String id = body.path("id").asText();
        assertThat(id).startsWith("sub_").hasSize("sub_".length() + 24);
        assertThat(body.path("secret").asText()).startsWith("whsec_").hasSize("whsec_".length() + 44);
        assertThat(body.path("version").asLong()).isEqualTo(1);
        assertThat(body.path("secretCount").asInt()).isEqualTo(1);
        assertThat(body.path("description").asText()).isEqualTo("CRM sync");
        assertThat(body.path("status").asText()).isEqualTo("ok");
        assertThat(answer.headers())
                .containsEntry("ETag", "\"1\"")
                .containsEntry("Location", PATH + "/" + id)
                .containsEntry("Cache-Control", "no-store");
        assertThat(fixture.topic).containsOnlyKeys(id);
    }

    @Test
    void shouldKeepTheGivenIdAndSecret() {
        String secret = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);

        Answer answer = fixture.call("POST", PATH, """
                {"id": "crm-sync", "workspaceId": "ws-1", "url": "https://hooks.example.com/crm", "events": ["*"],
                 "secret": "%s"}""".formatted(secret));

        assertThat(answer.status()).as(text(answer)).isEqualTo(201);
        assertThat(json(answer).path("id").asText()).isEqualTo("crm-sync");
        assertThat(json(answer).path("secret").asText()).isEqualTo(secret);
        assertThat(new String(fixture.topic.get("crm-sync").toJson(), StandardCharsets.UTF_8))
                .doesNotContain(secret.substring(6));
    }

    @Test
    void shouldNeverShowTheSecretInAGetAListOrAHealthAnswer() {
        Answer created = fixture.call("POST", PATH, CRM);
        String id = json(created).path("id").asText();
        String secret = json(created).path("secret").asText();

        List<Answer> reads = List.of(
                fixture.call("GET", PATH + "/" + id, ""),
                fixture.call("GET", PATH, Map.of("workspaceId", List.of("ws-1")), ""),
                fixture.call("GET", PATH, ""),
                fixture.call("GET", PATH + "/" + id + "/health", ""));

        for (Answer read : reads) {
            assertThat(read.status()).as(text(read)).isEqualTo(200);
            assertThat(text(read)).doesNotContain(secret.substring(6)).doesNotContain("\"secret\"");
        }
        JsonNode got = json(reads.get(0));
        assertThat(got.path("secretCount").asInt()).isEqualTo(1);
        assertThat(got.path("url").asText()).isEqualTo("https://hooks.example.com/crm");
        assertThat(reads.get(0).headers()).containsEntry("ETag", "\"1\"");
        assertThat(json(reads.get(1)).path("data")).hasSize(1);
        assertThat(json(reads.get(3)).path("applied").asBoolean(true)).isFalse();
    }

    @Test
    void shouldListAWorkspacePageByPageFollowingNext() {
        for (int i = 1; i <= 7; i++) {
            create("ws-1-" + i, "ws-1");
        }
        create("other", "ws-2");

        List<Integer> sizes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        String after = null;
        JsonNode page;
        do {
            var query = new HashMap<String, List<String>>();
            query.put("workspaceId", List.of("ws-1"));
            query.put("limit", List.of("3"));
            if (after != null) {
                query.put("after", List.of(after));
            }
            Answer answer = fixture.call("GET", PATH, query, "");
            assertThat(answer.status()).as(text(answer)).isEqualTo(200);
            page = json(answer);
            sizes.add(page.path("data").size());
            page.path("data").forEach(s -> ids.add(s.path("id").asText()));
            after = page.path("next").isNull() ? null : page.path("next").asText();
        } while (after != null && sizes.size() < 5);

        assertThat(sizes).containsExactly(3, 3, 1);
        assertThat(page.has("next")).isTrue();
        assertThat(page.path("next").isNull()).isTrue();
        assertThat(ids).containsExactly("ws-1-1", "ws-1-2", "ws-1-3", "ws-1-4", "ws-1-5", "ws-1-6", "ws-1-7");
    }

    @Test
    void shouldEndWithNoNextWhenTheLastPageIsFull() {
        for (int i = 1; i <= 6; i++) {
            create("s" + i, "ws-1");
        }

        JsonNode second = json(fixture.call("GET", PATH, Map.of("limit", List.of("3"), "after", List.of("s3")), ""));

        assertThat(second.path("data")).hasSize(3);
        assertThat(second.path("next").isNull()).isTrue();
    }

    @Test
    void shouldRefuseAReplaceForAnOldVersionAndChangeNothing() {
        create("a", "ws-1");
        assertThat(fixture.call("PATCH", PATH + "/a", "{\"maxInFlight\": 8}").status())
                .isEqualTo(200);

        Answer answer = fixture.call(
                "PUT",
                PATH + "/a",
                "{\"workspaceId\": \"ws-1\", \"url\": \"https://moved.example.com/\", \"events\": [\"*\"]}",
                "If-Match",
                "\"1\"");

        assertProblem(answer, 412, "version-mismatch");
        assertThat(json(answer).path("detail").asText()).contains("version 2, not 1");
        assertThat(fixture.topic.get("a").version()).isEqualTo(2);
        assertThat(fixture.topic.get("a").spec().path("url").asText()).isEqualTo("https://hooks.example.com/a");
    }

    @Test
    void shouldReplaceTheCurrentVersionKeepingTheSecret() {
        String secret = json(create("a", "ws-1")).path("secret").asText();

        Answer answer = fixture.call(
                "PUT",
                PATH + "/a",
                "{\"workspaceId\": \"ws-1\", \"url\": \"https://moved.example.com/\", \"events\": [\"*\"]}",
                "If-Match",
                "\"1\"");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        assertThat(answer.headers()).containsEntry("ETag", "\"2\"");
        assertThat(json(answer).path("url").asText()).isEqualTo("https://moved.example.com/");
        assertThat(json(answer).path("workspaceId").asText()).isEqualTo("ws-1");
        assertThat(currentSecret("a")).isEqualTo(secret);
    }

    @Test
    void shouldMergePatchRemovingAKeyGivenNullAndBumpTheVersion() {
        fixture.call("POST", PATH, """
                {"id": "a", "workspaceId": "ws-1", "url": "https://hooks.example.com/a", "events": ["*"],
                 "filter": "data.stage == 'WON'"}""");
        assertThat(fixture.topic.get("a").spec().has("filter")).isTrue();

        Answer answer = fixture.call(
                "PATCH",
                PATH + "/a",
                "{\"filter\": null, \"maxInFlight\": 8}",
                "Content-Type",
                "application/merge-patch+json",
                "If-Match",
                "W/\"1\"");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        JsonNode body = json(answer);
        assertThat(body.has("filter")).isFalse();
        assertThat(body.path("maxInFlight").asInt()).isEqualTo(8);
        assertThat(body.path("url").asText()).isEqualTo("https://hooks.example.com/a");
        assertThat(body.path("version").asLong()).isEqualTo(2);
        assertThat(answer.headers()).containsEntry("ETag", "\"2\"");
        assertThat(fixture.topic.get("a").spec().has("filter")).isFalse();
    }

    @Test
    void shouldDeleteThenNotFindIt() {
        create("a", "ws-1");

        Answer deleted = fixture.call("DELETE", PATH + "/a", "");
        Answer got = fixture.call("GET", PATH + "/a", "");

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(fixture.forgotten).containsExactly("a");
        assertProblem(got, 404, "not-found");
        assertProblem(fixture.call("DELETE", PATH + "/a", ""), 404, "not-found");
    }

    @Test
    void shouldAnswerARetryWithTheSameIdempotencyKeyWithTheFirstAnswer() {
        Answer first = fixture.call("POST", PATH, CRM, "Idempotency-Key", "key-1");
        Answer retry = fixture.call("POST", PATH, CRM, "Idempotency-Key", "key-1");

        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(fixture.topic).hasSize(1);
        assertThat(fixture.writer.writes()).isEqualTo(1);
        assertThat(retry.headers()).containsEntry("Idempotent-Replayed", "true");
        assertThat(first.headers()).doesNotContainKey("Idempotent-Replayed");
        assertThat(json(retry).path("id")).isEqualTo(json(first).path("id"));
        assertThat(json(retry).path("secret").asText())
                .isEqualTo(json(first).path("secret").asText());
    }

    @Test
    void shouldRefuseAnIdempotencyKeyReusedWithAnotherBody() {
        fixture.call("POST", PATH, CRM, "Idempotency-Key", "key-1");

        Answer answer = fixture.call("POST", PATH, CRM.replace("/crm", "/other"), "Idempotency-Key", "key-1");

        assertProblem(answer, 422, "idempotency-key-reused");
        assertThat(fixture.topic).hasSize(1);
    }

    @Test
    void shouldRefuseABodyThatIsNotJson() {
        assertProblem(fixture.call("POST", PATH, "{\"workspaceId\": \"ws-1\", \"url\": "), 400, "malformed-request");
        assertProblem(fixture.call("POST", PATH, "[1, 2]"), 400, "malformed-request");
        assertThat(fixture.topic).isEmpty();
    }

    @Test
    void shouldRefuseAnotherContentType() {
        Answer answer = fixture.call("POST", PATH, CRM, "Content-Type", "text/plain");
        Answer patch = fixture.call("PUT", PATH + "/a", "{}", "Content-Type", "application/merge-patch+json");

        assertProblem(answer, 415, "unsupported-media-type");
        assertProblem(patch, 415, "unsupported-media-type");
        assertThat(fixture.topic).isEmpty();
    }

    @Test
    void shouldRefuseAnInternalDestinationPointingAtTheUrl() {
        Answer answer = fixture.call(
                "POST", PATH, "{\"workspaceId\": \"ws-1\", \"url\": \"http://127.0.0.1/x\", \"events\": [\"*\"]}");

        assertInvalid(answer, "/url");
        assertThat(fixture.topic).isEmpty();
    }

    @Test
    void shouldRefuseTheKeysTheApiNeverTakesPointingAtEach() {
        Answer answer = fixture.call("POST", PATH, """
                {"workspaceId": "ws-1", "url": "https://hooks.example.com/", "events": ["*"], "secrets": ["whsec_a"],
                 "secretFile": "/etc/passwd", "tls": {}}""");

        assertProblem(answer, 422, "invalid-subscription");
        List<String> pointers = new ArrayList<>();
        json(answer).path("errors").forEach(e -> pointers.add(e.path("pointer").asText()));
        assertThat(pointers).containsExactlyInAnyOrder("/secrets", "/secretFile", "/tls");
        assertThat(fixture.topic).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownKeyNamingIt() {
        Answer answer = fixture.call(
                "POST",
                PATH,
                "{\"workspaceId\": \"ws-1\", \"url\": \"https://hooks.example.com/\", \"events\": [\"*\"], \"colour\": \"red\"}");

        assertInvalid(answer, "/colour");
        assertThat(text(answer)).contains("colour");
    }

    @Test
    void shouldRefuseAReadOnlyKeyOnCreate() {
        Answer answer = fixture.call(
                "POST",
                PATH,
                "{\"workspaceId\": \"ws-1\", \"url\": \"https://hooks.example.com/\", \"events\": [\"*\"], \"version\": 7}");

        assertInvalid(answer, "/version");
    }

    @Test
    void shouldRefuseALimitOutOfRange() {
        for (String limit : List.of("0", "999", "ten", "-1")) {
            assertProblem(fixture.call("GET", PATH, Map.of("limit", List.of(limit)), ""), 400, "malformed-request");
        }
        assertThat(fixture.call("GET", PATH, Map.of("limit", List.of("250")), "")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void shouldRefuseAnotherMethodNamingTheAllowedOnes() {
        Answer collection = fixture.call("DELETE", PATH, "");
        Answer one = fixture.call("POST", PATH + "/a", "");
        Answer secret = fixture.call("POST", PATH + "/a/secret", "");
        Answer test = fixture.call("GET", PATH + "/a/test", "");

        assertProblem(collection, 405, "method-not-allowed");
        assertThat(collection.headers()).containsEntry("Allow", "GET, POST");
        assertProblem(one, 405, "method-not-allowed");
        assertThat(one.headers()).containsEntry("Allow", "GET, PUT, PATCH, DELETE");
        assertThat(secret.headers()).containsEntry("Allow", "GET");
        assertThat(test.headers()).containsEntry("Allow", "POST");
    }

    @Test
    void shouldNotFindAnUnknownAction() {
        create("a", "ws-1");

        assertProblem(fixture.call("POST", PATH + "/a/frobnicate", ""), 404, "not-found");
        assertProblem(fixture.call("GET", PATH + "/a/health/more", ""), 404, "not-found");
        assertProblem(fixture.call("GET", PATH + "//health", ""), 404, "not-found");
    }

    @Test
    void shouldRotateTheSecretKeepingTheOldOneSigningForTheOverlap() throws Exception {
        String old = json(create("a", "ws-1")).path("secret").asText();

        Answer answer = fixture.call("POST", PATH + "/a/rotate-secret", "");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        JsonNode body = json(answer);
        String rotated = body.path("secret").asText();
        assertThat(rotated).startsWith("whsec_").isNotEqualTo(old);
        assertThat(body.path("secretCount").asInt()).isEqualTo(2);
        assertThat(body.path("version").asLong()).isEqualTo(2);
        assertThat(body.path("previousSecretsUntil").asText())
                .isEqualTo(fixture.clock.instant().plus(Duration.ofHours(24)).toString());
        assertThat(answer.headers()).containsEntry("Cache-Control", "no-store");
        assertThat(StoredSchema.secrets(fixture.schema.plain(fixture.topic.get("a"))))
                .containsExactly(rotated, old);
        assertThat(currentSecret("a")).isEqualTo(rotated);
    }

    @Test
    void shouldRotateWithNoOverlapLeavingOnlyTheNewSecret() throws Exception {
        create("a", "ws-1");

        Answer answer = fixture.call("POST", PATH + "/a/rotate-secret", "{\"overlap\": \"0s\"}");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        JsonNode body = json(answer);
        assertThat(body.path("secretCount").asInt()).isEqualTo(1);
        assertThat(body.has("previousSecretsUntil")).isFalse();
        assertThat(StoredSchema.secrets(fixture.schema.plain(fixture.topic.get("a"))))
                .containsExactly(body.path("secret").asText());
    }

    @Test
    void shouldRefuseAnOverlapLongerThanSevenDays() {
        create("a", "ws-1");

        Answer answer = fixture.call("POST", PATH + "/a/rotate-secret", "{\"overlap\": \"9d\"}");
        Answer other = fixture.call("POST", PATH + "/a/rotate-secret", "{\"overlap\": \"1h\", \"secret\": \"x\"}");

        assertInvalid(answer, "/overlap");
        assertInvalid(other, "/secret");
        assertThat(fixture.topic.get("a").version()).isEqualTo(1);
    }

    @Test
    void shouldReadTheCurrentSecretNotToBeCached() {
        String secret = json(create("a", "ws-1")).path("secret").asText();

        Answer answer = fixture.call("GET", PATH + "/a/secret", "");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(json(answer).path("secret").asText()).isEqualTo(secret);
        assertThat(answer.headers()).containsEntry("Cache-Control", "no-store");
    }

    @Test
    void shouldSendATestEventAndAnswerTheReceiversStatusAndLatency() throws Exception {
        create("a", "ws-1");
        fixture.outcome = new DeliveryOutcome.Delivered(204, Duration.ofMillis(42));

        Answer answer = fixture.call("POST", PATH + "/a/test", "");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        JsonNode body = json(answer);
        assertThat(body.path("delivered").asBoolean()).isTrue();
        assertThat(body.path("status").asInt()).isEqualTo(204);
        assertThat(body.path("latencyMs").asLong()).isEqualTo(42);
        assertThat(body.path("result").asText()).isEqualTo("2xx");
        assertThat(fixture.sent).singleElement().satisfies(sent -> {
            assertThat(sent.subscription().id()).isEqualTo("a");
            assertThat(sent.deliveryId())
                    .isEqualTo(body.path("deliveryId").asText())
                    .startsWith("test_");
            JsonNode event = sent.json();
            assertThat(event.path("eventName").asText()).isEqualTo("webhook.test");
            assertThat(event.path("workspaceId").asText()).isEqualTo("ws-1");
            assertThat(event.path("webhookId").asText()).isEqualTo("a");
            assertThat(event.path("targetUrl").asText()).isEqualTo("https://hooks.example.com/a");
        });
    }

    @Test
    void shouldAnswerAFailedTestWithItsStatusAndError() {
        create("a", "ws-1");
        fixture.outcome = new DeliveryOutcome.Permanent(new DeliveryOutcome.Failure(
                DeliveryOutcome.AttemptResult.CLIENT_4XX, 410, "HttpStatus", "Gone", "", Duration.ofMillis(7)));

        JsonNode body = json(fixture.call("POST", PATH + "/a/test", ""));

        assertThat(body.path("delivered").asBoolean()).isFalse();
        assertThat(body.path("status").asInt()).isEqualTo(410);
        assertThat(body.path("latencyMs").asLong()).isEqualTo(7);
        assertThat(body.path("error").asText()).isEqualTo("HttpStatus: Gone");
    }

    @Test
    void shouldAnswerUnavailableWhenTheTopicCannotBeWritten() {
        fixture.failure = new KafkaException("the broker is away");

        Answer answer = fixture.call("POST", PATH, CRM);

        assertProblem(answer, 503, "unavailable");
        assertThat(json(answer).path("detail").asText()).contains("the broker is away");
        assertThat(fixture.topic).isEmpty();
    }

    @Test
    void shouldEnableTheEndpointWhenAChangeLeavesItEnabled() {
        create("a", "ws-1");

        fixture.call("PATCH", PATH + "/a", "{\"enabled\": false}");
        fixture.call("PATCH", PATH + "/a", "{\"enabled\": true}");

        assertThat(fixture.enabled).containsExactly("a");
    }

    @Test
    void shouldRefuseToChangeTheId() {
        create("a", "ws-1");

        assertProblem(fixture.call("PATCH", PATH + "/a", "{\"id\": \"b\"}"), 422, "invalid-subscription");
        assertProblem(
                fixture.call(
                        "PUT",
                        PATH + "/a",
                        "{\"id\": \"b\", \"workspaceId\": \"ws-1\", \"url\": \"https://x.example.com/\", \"events\": [\"*\"]}"),
                422,
                "invalid-subscription");
        assertThat(fixture.topic).containsOnlyKeys("a");
    }

    @Test
    void shouldTakeThePutOfAGetsAnswer() {
        create("a", "ws-1");
        fixture.call("POST", PATH + "/a/rotate-secret", "");
        Answer got = fixture.call("GET", PATH + "/a", "");

        Answer put = fixture.call(
                "PUT", PATH + "/a", text(got), "If-Match", got.headers().get("ETag"));

        assertThat(put.status()).as(text(put)).isEqualTo(200);
        assertThat(json(put).path("version").asLong()).isEqualTo(3);
        assertThat(json(put).path("secretCount").asInt()).isEqualTo(2);
    }

    @Test
    void shouldRefuseANullSecretPointingAtIt() {
        Answer answer = fixture.call(
                "POST",
                PATH,
                "{\"id\": \"a\", \"workspaceId\": \"ws-1\", \"url\": \"https://hooks.example.com/\", \"events\": [\"*\"], \"secret\": null}");

        assertInvalid(answer, "/secret");
        assertThat(fixture.topic).isEmpty();
    }

    @Test
    void shouldReplayTheFirstAnswersLocation() {
        Answer first = fixture.call("POST", PATH, CRM, "Idempotency-Key", "key-1");
        Answer retry = fixture.call("POST", PATH, CRM, "Idempotency-Key", "key-1");

        assertThat(retry.headers()).containsEntry("Location", first.headers().get("Location"));
        assertThat(retry.headers()).containsEntry("ETag", "\"1\"");
    }

    @Test
    void shouldTellTheHealthOfARunningSubscriptionFromMemory() {
        String secret = json(create("a", "ws-1")).path("secret").asText();
        fixture.running = new Subscriptions(
                List.of(
                        fixture.schema.decode(fixture.topic.get("a")) instanceof StoredSchema.Usable u
                                ? u.subscription()
                                : null),
                new FakeSender(),
                fixture.clock,
                lane -> {});
        fixture.attempts.put("a", new AttemptStats.Summary(fixture.clock.instant(), "5xx", 503, 2 / 3.0, 3));

        Answer answer = fixture.call("GET", PATH + "/a/health", "");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        JsonNode health = json(answer);
        assertThat(health.path("applied").asBoolean()).isTrue();
        assertThat(health.path("source").asText()).isEqualTo("topic");
        assertThat(health.path("enabled").asBoolean()).isTrue();
        assertThat(health.path("autoDisabled").asBoolean()).isFalse();
        assertThat(health.path("circuit").asText()).isEqualTo("closed");
        assertThat(health.path("queued").asInt()).isZero();
        assertThat(health.path("successRatio").asDouble()).isEqualTo(0.667);
        assertThat(health.path("recentAttempts").asInt()).isEqualTo(3);
        assertThat(health.path("lastAttempt").path("status").asInt()).isEqualTo(503);
        assertThat(health.path("lastAttempt").path("result").asText()).isEqualTo("5xx");
        assertThat(text(answer)).doesNotContain(secret.substring(6));
    }

    @Test
    void shouldRefuseAnIdThatIsNotAPathSegment() {
        Answer answer = fixture.call(
                "POST",
                PATH,
                "{\"id\": \"a/b\", \"workspaceId\": \"ws-1\", \"url\": \"https://hooks.example.com/\", \"events\": [\"*\"]}");

        assertInvalid(answer, "/id");
    }

    @Test
    void shouldRefuseADeleteForAnOldVersion() {
        create("a", "ws-1");
        fixture.call("PATCH", PATH + "/a", "{\"enabled\": false}");

        assertProblem(fixture.call("DELETE", PATH + "/a", "", "If-Match", "\"1\""), 412, "version-mismatch");
        assertThat(fixture.topic).containsOnlyKeys("a");
        assertThat(fixture.call("DELETE", PATH + "/a", "", "If-Match", "\"2\"").status())
                .isEqualTo(204);
    }

    @Test
    void shouldNotFindTheActionsOfAnUnknownSubscription() {
        assertProblem(fixture.call("GET", PATH + "/nope/health", ""), 404, "not-found");
        assertProblem(fixture.call("GET", PATH + "/nope/secret", ""), 404, "not-found");
        assertProblem(fixture.call("POST", PATH + "/nope/test", ""), 404, "not-found");
        assertProblem(fixture.call("POST", PATH + "/nope/rotate-secret", ""), 404, "not-found");
        assertProblem(fixture.call("PATCH", PATH + "/nope", "{\"enabled\": false}"), 404, "not-found");
        assertThat(fixture.sent).isEmpty();
    }

    @Test
    void shouldStoreNoNullOfAMergePatch() {
        create("a", "ws-1");

        Answer answer = fixture.call(
                "PATCH",
                PATH + "/a",
                "{\"circuitBreaker\": {\"failureRatio\": 0.4, \"minimumAttempts\": null}}",
                "Content-Type",
                "application/merge-patch+json");

        assertThat(answer.status()).as(text(answer)).isEqualTo(200);
        assertThat(json(answer).path("circuitBreaker").path("failureRatio").asDouble())
                .isEqualTo(0.4);
        assertThat(json(answer).path("circuitBreaker").has("minimumAttempts")).isFalse();
    }

    private Answer create(String id, String workspace) {
        Answer answer = fixture.call("POST", PATH, """
                {"id": "%s", "workspaceId": "%s", "url": "https://hooks.example.com/%s",
                 "events": ["person.*"]}""".formatted(id, workspace, id));
        assertThat(answer.status()).as(text(answer)).isEqualTo(201);
        return answer;
    }

    private String currentSecret(String id) {
        return json(fixture.call("GET", PATH + "/" + id + "/secret", ""))
                .path("secret")
                .asText();
    }

    /** An RFC 9457 problem of this kind, as every refusal is. */
    /** A 422 invalid-subscription problem whose first error points at {@code pointer}. */
    private static void assertInvalid(Answer answer, String pointer) {
        assertProblem(answer, 422, "invalid-subscription");
        assertThat(json(answer).path("errors").get(0).path("pointer").asText()).isEqualTo(pointer);
    }

    private static void assertProblem(Answer answer, int status, String slug) {
        assertThat(answer.status()).as(text(answer)).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        JsonNode problem = json(answer);
        assertThat(problem.path("type").asText()).isEqualTo(PROBLEMS + slug);
        assertThat(problem.path("title").asText()).isNotBlank();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("detail").asText()).isNotBlank();
    }
}
