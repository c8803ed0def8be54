package io.webhookdispatcher.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAPI document the admin port serves. */
class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode document = read();

    @Test
    void shouldBeAnOpenApi31DocumentOfThisVersion() {
        assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(document.path("info").path("version").asText()).isEqualTo("1.2.3-test");
        assertThat(document.path("components")
                        .path("securitySchemes")
                        .path("bearer")
                        .path("scheme")
                        .asText())
                .isEqualTo("bearer");
    }

    @Test
    void shouldDescribeEveryOperationUnderItsPathAndMethod() {
        for (OpenApi.Operation op : OpenApi.OPERATIONS) {
            JsonNode operation = document.path("paths").path(op.path()).path(op.method());
            assertThat(operation.isObject()).as(op.method() + " " + op.path()).isTrue();
            assertThat(operation.path("operationId").asText()).isEqualTo(op.id());
            assertThat(operation.path("responses").has(String.valueOf(op.status())))
                    .as(op.id())
                    .isTrue();
        }
        assertThat(OpenApi.operations())
                .containsExactlyInAnyOrder(
                        "create",
                        "list",
                        "get",
                        "replace",
                        "patch",
                        "delete",
                        "test",
                        "rotate-secret",
                        "secret",
                        "health",
                        "openapi");
    }

    @Test
    void shouldDescribeNoPathWithoutAnOperation() {
        List<String> described = new ArrayList<>();
        document.path("paths")
                .fields()
                .forEachRemaining(path -> path.getValue()
                        .fieldNames()
                        .forEachRemaining(method -> described.add(method + " " + path.getKey())));

        assertThat(described)
                .containsExactlyInAnyOrderElementsOf(OpenApi.OPERATIONS.stream()
                        .map(op -> op.method() + " " + op.path())
                        .toList());
    }

    @Test
    void shouldNeedNoTokenForTheDocumentOnly() {
        assertThat(document.path("paths").path("/v1/openapi.json").path("get").path("security"))
                .isEmpty();
        assertThat(document.path("paths").path("/v1/subscriptions").path("post").has("security"))
                .isFalse();
        assertThat(document.path("security").get(0).has("bearer")).isTrue();
    }

    @Test
    void shouldDescribeTheSubscriptionsKeysButThoseTheApiNeverTakes() {
        JsonNode properties =
                document.path("components").path("schemas").path("Subscription").path("properties");

        assertThat(properties.has("url")).isTrue();
        for (String key : List.of(
                "id",
                "url",
                "events",
                "workspaceId",
                "filter",
                "secret",
                "signature",
                "rateLimit",
                "maxInFlight",
                "enabled",
                "description",
                "version")) {
            assertThat(properties.has(key)).as(key).isTrue();
        }
        for (String key : List.of("secrets", "secretFile", "tls")) {
            assertThat(properties.has(key)).as(key).isFalse();
        }
        assertThat(properties.path("events").path("type").asText()).isEqualTo("array");
        assertThat(properties.path("enabled").path("type").asText()).isEqualTo("boolean");
        assertThat(properties.path("maxInFlight").path("type").asText()).isEqualTo("integer");
    }

    @Test
    void shouldListEveryProblemType() {
        JsonNode types = document.path("components")
                .path("schemas")
                .path("Problem")
                .path("properties")
                .path("type")
                .path("enum");

        List<String> listed = new ArrayList<>();
        types.forEach(t -> listed.add(t.asText()));
        assertThat(listed)
                .containsExactlyInAnyOrderElementsOf(List.of(Problem.Kind.values()).stream()
                        .map(Problem.Kind::type)
                        .toList());
    }

    @Test
    void shouldTakeAMergePatchForPatch() {
        assertThat(document.path("paths")
                        .path("/v1/subscriptions/{id}")
                        .path("patch")
                        .path("requestBody")
                        .path("content")
                        .has("application/merge-patch+json"))
                .isTrue();
    }

    private static JsonNode read() {
        try {
            return JSON.readTree(OpenApi.document("1.2.3-test"));
        } catch (Exception e) {
            throw new AssertionError("the document is not JSON", e);
        }
    }
}
