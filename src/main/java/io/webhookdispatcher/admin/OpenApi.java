package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.ConfigKey;
import io.webhookdispatcher.config.ConfigKeys;
import java.util.List;

/**
 * The admin API's OpenAPI 3.1 document, served at {@code GET /v1/openapi.json}. The subscription's properties are
 * generated from the one declared subscription schema ({@link ConfigKeys#reference}, the keys of
 * {@code subscriptions[]}), so the document, the config reference and the chart's schema name the same keys with the
 * same words. The API reference in docs/api.md is tested against this document.
 */
public final class OpenApi {
    private OpenApi() {}

    /** The subscription keys the API does not take (see {@link SubscriptionRequests}). */
    private static final List<String> NOT_TAKEN = List.of("secrets", "secretFile", "tls");

    private static final String PROBLEM = "#/components/schemas/Problem";
    private static final String SUBSCRIPTION = "#/components/schemas/Subscription";

    /** The operations: method, path, operationId, summary, success status. */
    record Operation(String method, String path, String id, String summary, int status) {}

    static final List<Operation> OPERATIONS = List.of(
            new Operation("post", "/v1/subscriptions", "create", "Create a subscription (secret returned once)", 201),
            new Operation(
                    "get", "/v1/subscriptions", "list", "List subscriptions, by workspace, a page at a time", 200),
            new Operation("get", "/v1/subscriptions/{id}", "get", "Get a subscription (ETag: its version)", 200),
            new Operation("put", "/v1/subscriptions/{id}", "replace", "Replace a subscription (If-Match)", 200),
            new Operation("patch", "/v1/subscriptions/{id}", "patch", "Change some keys (JSON merge patch)", 200),
            new Operation("delete", "/v1/subscriptions/{id}", "delete", "Delete a subscription", 204),
            new Operation("post", "/v1/subscriptions/{id}/test", "test", "Send a signed webhook.test event now", 200),
            new Operation(
                    "post", "/v1/subscriptions/{id}/rotate-secret", "rotate-secret", "Rotate the signing secret", 200),
            new Operation("get", "/v1/subscriptions/{id}/secret", "secret", "Read the current secret (audited)", 200),
            new Operation("get", "/v1/subscriptions/{id}/health", "health", "This replica's view of its health", 200),
            new Operation("get", "/v1/openapi.json", "openapi", "This document (no token needed)", 200));

    /** The operations' ids: the {@code operation} label of the admin metrics. */
    public static List<String> operations() {
        return OPERATIONS.stream().map(Operation::id).toList();
    }

    /** The document as JSON bytes. */
    public static byte[] document(String version) {
        ObjectNode doc = SubscriptionsApi.JSON.createObjectNode().put("openapi", "3.1.0");
        doc.putObject("info")
                .put("title", "webhook-dispatcher admin API")
                .put("version", version)
                .put(
                        "description",
                        "Subscriptions kept in topics.subscriptions, live on every replica within a"
                                + " second. Errors are RFC 9457 problems (application/problem+json).");
        doc.putArray("security").addObject().putArray("bearer");
        ObjectNode paths = doc.putObject("paths");
        for (Operation op : OPERATIONS) {
            ObjectNode path = paths.has(op.path()) ? (ObjectNode) paths.get(op.path()) : paths.putObject(op.path());
            path.set(op.method(), operation(op));
        }
        ObjectNode components = doc.putObject("components");
        components
                .putObject("securitySchemes")
                .putObject("bearer")
                .put("type", "http")
                .put("scheme", "bearer");
        ObjectNode schemas = components.putObject("schemas");
        schemas.set("Subscription", subscription());
        schemas.set("Problem", problem());
        return doc.toPrettyString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static ObjectNode operation(Operation op) {
        ObjectNode o = SubscriptionsApi.JSON
                .createObjectNode()
                .put("operationId", op.id())
                .put("summary", op.summary());
        ArrayNode params = o.putArray("parameters");
        if (op.path().contains("{id}")) {
            params.addObject()
                    .put("name", "id")
                    .put("in", "path")
                    .put("required", true)
                    .putObject("schema")
                    .put("type", "string");
        }
        if (op.id().equals("list")) {
            query(params, "workspaceId", "string", "Only this workspace's subscriptions");
            query(
                    params,
                    "limit",
                    "integer",
                    "Page size, 1 to " + SubscriptionsApi.MAX_LIMIT + " (default " + SubscriptionsApi.DEFAULT_LIMIT
                            + ")");
            query(params, "after", "string", "The next of the previous page: ids after it");
        }
        if (List.of("replace", "patch", "delete", "rotate-secret").contains(op.id())) {
            params.addObject()
                    .put("name", "If-Match")
                    .put("in", "header")
                    .put("description", "The version the change is for (the ETag of a GET); else any")
                    .putObject("schema")
                    .put("type", "string");
        }
        if (op.id().equals("create")) {
            params.addObject()
                    .put("name", "Idempotency-Key")
                    .put("in", "header")
                    .put("description", "A retry with the same key and body gets the first answer again")
                    .putObject("schema")
                    .put("type", "string")
                    .put("maxLength", 255);
        }
        if (op.id().equals("openapi")) {
            o.putArray("security");
        }
        if (List.of("create", "replace", "patch", "rotate-secret").contains(op.id())) {
            ObjectNode body =
                    o.putObject("requestBody").put("required", !op.id().equals("rotate-secret"));
            ObjectNode content = body.putObject("content");
            String type = op.id().equals("patch") ? "application/merge-patch+json" : "application/json";
            ObjectNode schema = content.putObject(type).putObject("schema");
            if (op.id().equals("rotate-secret")) {
                schema.put("type", "object")
                        .putObject("properties")
                        .putObject("overlap")
                        .put("type", "string")
                        .put("description", "How long the previous secrets still sign: 0s to 7d (default 24h)");
            } else {
                schema.put("$ref", SUBSCRIPTION);
            }
        }
        ObjectNode responses = o.putObject("responses");
        ObjectNode ok = responses.putObject(String.valueOf(op.status())).put("description", op.summary());
        if (op.status() != 204) {
            ok.putObject("content")
                    .putObject("application/json")
                    .putObject("schema")
                    .put("type", "object");
        }
        for (String status : List.of("400", "401", "404", "409", "412", "413", "415", "422", "503")) {
            responses
                    .putObject(status)
                    .put("description", "A problem")
                    .putObject("content")
                    .putObject(Problem.MEDIA_TYPE)
                    .putObject("schema")
                    .put("$ref", PROBLEM);
        }
        return o;
    }

    private static void query(ArrayNode params, String name, String type, String description) {
        params.addObject()
                .put("name", name)
                .put("in", "query")
                .put("description", description)
                .putObject("schema")
                .put("type", type);
    }

    /** The subscription's keys as the config file declares them, with the API's own beside them. */
    static ObjectNode subscription() {
        ObjectNode s = SubscriptionsApi.JSON.createObjectNode().put("type", "object");
        ObjectNode props = s.putObject("properties");
        String prefix = "subscriptions[].";
        for (ConfigKeys.Documented d : ConfigKeys.reference()) {
            if (!d.path().startsWith(prefix)) {
                continue;
            }
            String name = d.path().substring(prefix.length());
            if (name.contains(".") || name.contains("[") || NOT_TAKEN.contains(name)) {
                continue; // a nested key is described by its mapping
            }
            ObjectNode p = props.putObject(name).put("description", d.key().doc());
            type(p, d.key());
        }
        props.putObject("description")
                .put("type", "string")
                .put("maxLength", 500)
                .put("description", "Free text for people");
        for (String readOnly : List.of("version", "createdAt", "updatedAt", "status", "secretCount")) {
            props.putObject(readOnly).put("readOnly", true);
        }
        s.putArray("required").add("url").add("events");
        return s;
    }

    private static void type(ObjectNode p, ConfigKey<?> key) {
        switch (key.type()) {
            case BOOLEAN -> p.put("type", "boolean");
            case INTEGER -> p.put("type", "integer");
            case NUMBER -> p.put("type", "number");
            case LIST -> p.put("type", "array").putObject("items").put("type", "string");
            case MAPPING -> {
                p.put("type", "object");
                ObjectNode inner = p.putObject("properties");
                key.fields().forEach(f -> type(inner.putObject(f.name()).put("description", f.doc()), f));
            }
            default -> p.put("type", "string");
        }
        if (!key.allowed().isEmpty()) {
            ArrayNode e = p.putArray("enum");
            key.allowed().forEach(e::add);
        }
    }

    private static ObjectNode problem() {
        ObjectNode s = SubscriptionsApi.JSON.createObjectNode().put("type", "object");
        ObjectNode props = s.putObject("properties");
        ArrayNode types = props.putObject("type").put("type", "string").putArray("enum");
        for (Problem.Kind k : Problem.Kind.values()) {
            types.add(k.type());
        }
        props.putObject("title").put("type", "string");
        props.putObject("status").put("type", "integer");
        props.putObject("detail").put("type", "string");
        ObjectNode error = props.putObject("errors")
                .put("type", "array")
                .putObject("items")
                .put("type", "object");
        ObjectNode ep = error.putObject("properties");
        ep.putObject("pointer").put("type", "string").put("description", "JSON pointer into the request body");
        ep.putObject("detail").put("type", "string");
        return s;
    }
}
