package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.admin.Problem.Kind;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionAdmin.Outcome;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import io.webhookdispatcher.store.SubscriptionEdits;
import io.webhookdispatcher.store.SubscriptionView;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v1/subscriptions}: the admin API's resources, without HTTP (the {@link AdminHandler} reads requests and
 * writes answers). Every write is decided on the topic as it is ({@link SubscriptionAdmin}), validated exactly as the
 * config file's subscriptions are, and answered once the topic acknowledged it and this replica applied it. Reads
 * answer from this replica's view of the topic. A secret is shown only in the answer to a create, a rotation and
 * {@code GET …/secret}; the last two are logged (who, which subscription), never with the value.
 */
public final class SubscriptionsApi {
    private static final Logger audit = LoggerFactory.getLogger("io.webhookdispatcher.admin.audit");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "/v1/subscriptions";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 250;

    private final Backend backend;
    private final SubscriptionActions actions;
    private final SecureRandom random = new SecureRandom();

    /** What the API runs on: the topic's writer and view, and the running subscriptions. */
    public interface Backend extends SubscriptionActions.Runtime {
        /** The writer of {@code topics.subscriptions}; writes are applied here before it returns. */
        SubscriptionAdmin writer();

        /** The edits, with the config file's subscriptions as they are now. */
        SubscriptionEdits edits();

        /** This replica's view of the topic, by id. */
        Map<String, StoredSubscription> records();
    }

    /**
     * One request, read.
     *
     * @param headers a request header's value by name (any case), or null
     * @param caller  who made it (the token's name), for the audit log
     */
    public record Request(
            String method,
            String path,
            Map<String, List<String>> query,
            Function<String, String> headers,
            byte[] body,
            String caller) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            query = Map.copyOf(query);
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(body, "body");
        }

        Optional<String> header(String name) {
            return Optional.ofNullable(headers.apply(name)).map(String::strip).filter(v -> !v.isEmpty());
        }

        Optional<String> param(String name) {
            List<String> values = query.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }
    }

    public SubscriptionsApi(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.actions = new SubscriptionActions(backend, random);
    }

    /** The answer to {@code request}, a problem when it is refused; never throws. */
    public Answer handle(Request request) {
        try {
            return route(request);
        } catch (Rejected e) {
            return e.problem.answer();
        } catch (KafkaException e) {
            audit.warn(
                    "{} {} by {}: the subscriptions topic failed: {}",
                    request.method(),
                    request.path(),
                    request.caller(),
                    e.toString());
            return Problem.of(Kind.UNAVAILABLE, "the subscriptions topic failed: " + e.getMessage() + "; try again")
                    .answer()
                    .withHeader("Retry-After", "1");
        } catch (RuntimeException e) { // a bug: logged here, never shown to the caller
            audit.error("{} {} by {} failed", request.method(), request.path(), request.caller(), e);
            return Problem.of(Kind.INTERNAL, "the request failed; the dispatcher's log says why")
                    .answer();
        }
    }

    private Answer route(Request r) {
        List<String> parts = segments(r.path());
        if (parts.isEmpty()) {
            return switch (r.method()) {
                case "GET" -> list(r);
                case "POST" -> create(r);
                default -> notAllowed("GET, POST");
            };
        }
        String id = parts.get(0);
        if (parts.size() == 1) {
            return switch (r.method()) {
                case "GET" -> get(id);
                case "PUT" -> replace(r, id);
                case "PATCH" -> patch(r, id);
                case "DELETE" -> delete(r, id);
                default -> notAllowed("GET, PUT, PATCH, DELETE");
            };
        }
        return action(r, id, parts);
    }

    /** {@code /v1/subscriptions/{id}/<action>}. */
    private Answer action(Request r, String id, List<String> parts) {
        String action = parts.get(1);
        String allowed = action.equals("secret") || action.equals("health") ? "GET" : "POST";
        if (parts.size() > 2
                || !List.of("test", "rotate-secret", "secret", "health").contains(action)) {
            throw new Rejected(Problem.of(Kind.NOT_FOUND, "no resource " + r.path()));
        }
        if (!r.method().equals(allowed)) {
            return notAllowed(allowed);
        }
        return switch (action) {
            case "test" -> actions.test(stored(id));
            case "rotate-secret" -> rotate(r, id);
            case "secret" -> secret(r, id);
            default -> actions.health(id, backend.records().get(id));
        };
    }

    /** The path's segments after {@code /v1/subscriptions}; the caller routed only paths under it here. */
    private static List<String> segments(String path) {
        String rest = path.substring(PREFIX.length());
        if (rest.isEmpty() || rest.equals("/")) {
            return List.of();
        }
        List<String> parts = List.of(rest.substring(1).split("/", -1));
        if (parts.stream().anyMatch(String::isEmpty)) {
            throw new Rejected(Problem.of(Kind.NOT_FOUND, "no resource " + path));
        }
        return parts;
    }

    private static Answer notAllowed(String allowed) {
        return Problem.of(Kind.METHOD_NOT_ALLOWED, "this resource takes " + allowed)
                .answer()
                .withHeader("Allow", allowed);
    }

    private Answer list(Request r) {
        int limit = r.param("limit").map(SubscriptionRequests::limit).orElse(DEFAULT_LIMIT);
        Optional<String> workspace = r.param("workspaceId");
        Optional<String> after = r.param("after");
        var page = JSON.createObjectNode();
        var data = page.putArray("data");
        String last = null;
        int more = 0;
        var fileIds = backend.fileIds();
        for (StoredSubscription s : new TreeMap<>(backend.records()).values()) {
            if ((after.isPresent() && s.id().compareTo(after.get()) <= 0)
                    || (workspace.isPresent()
                            && !workspace.get().equals(s.workspaceId().orElse(null)))) {
                continue;
            }
            if (data.size() == limit) {
                more++;
                break;
            }
            data.add(SubscriptionView.of(s, backend.schema(), fileIds));
            last = s.id();
        }
        page.put("next", more > 0 ? last : null);
        return Answer.json(200, page);
    }

    private Answer get(String id) {
        return shown(200, stored(id));
    }

    private Answer create(Request r) {
        ObjectNode body = SubscriptionRequests.object(r, false);
        String digest = SubscriptionRequests.digest(body); // before an id or a secret is added
        String description = SubscriptionRequests.description(body, "");
        SubscriptionRequests.refuseReadOnly(body, true);
        SubscriptionRequests.requireWorkspace(body);
        if (!body.has("id")) {
            body.put("id", "sub_" + HexFormat.of().formatHex(randomBytes(12)));
        }
        String id = body.path("id").asText();
        String generated = null;
        if (!body.has("secret")) {
            generated = SubscriptionEdits.newSecret(random);
            body.put("secret", generated);
        }
        Optional<StoredSubscription.Idempotency> idempotency = r.header("Idempotency-Key")
                .map(key -> {
                    if (key.length() > StoredSubscription.Idempotency.MAX_KEY) {
                        throw new Rejected(Problem.of(
                                Kind.MALFORMED,
                                "Idempotency-Key: at most " + StoredSubscription.Idempotency.MAX_KEY + " characters"));
                    }
                    return new StoredSubscription.Idempotency(key, digest);
                });
        Outcome outcome = backend.writer().write(id, backend.edits().create(body, description, idempotency));
        if (outcome instanceof SubscriptionAdmin.Existing earlier) { // a retry: the first answer again
            return replayed(r, earlier.record());
        }
        StoredSubscription written = written(outcome);
        audit.info("{} created subscription {} (version 1)", r.caller(), written.id());
        return withSecret(
                        201,
                        written,
                        generated != null ? generated : body.get("secret").asText())
                .withHeader("Location", PREFIX + "/" + written.id());
    }

    /**
     * The answer to a create retried with its {@code Idempotency-Key}: the subscription, with its secret only while
     * it is the version that create made (a later rotation's secret is for {@code GET …/secret}, audited).
     */
    private Answer replayed(Request r, StoredSubscription earlier) {
        audit.info("{} retried the create of subscription {} (Idempotency-Key)", r.caller(), earlier.id());
        Answer answer =
                earlier.version() == 1 ? withSecret(201, earlier, actions.currentSecret(earlier)) : shown(201, earlier);
        return answer.withHeader("Idempotent-Replayed", "true").withHeader("Location", PREFIX + "/" + earlier.id());
    }

    private Answer replace(Request r, String id) {
        ObjectNode body = SubscriptionRequests.object(r, false);
        String description = SubscriptionRequests.description(body, "");
        SubscriptionRequests.refuseReadOnly(body, false);
        SubscriptionRequests.requireWorkspace(body);
        if (body.has("id") && !body.path("id").asText().equals(id)) {
            throw new Rejected(new Problem(
                    Kind.INVALID, "the id cannot change", List.of(new Problem.FieldError("/id", "must be " + id))));
        }
        boolean newSecret = body.has("secret");
        boolean enabling = body.path("enabled").asBoolean(false);
        return update(
                r, id, spec -> SubscriptionRequests.replace(spec, body), Optional.of(description), newSecret, enabling);
    }

    private Answer patch(Request r, String id) {
        ObjectNode body = SubscriptionRequests.object(r, true);
        Optional<String> description =
                body.has("description") ? Optional.of(SubscriptionRequests.description(body, "")) : Optional.empty();
        SubscriptionRequests.refuseReadOnly(body, false);
        if (body.has("id")) {
            throw new Rejected(new Problem(
                    Kind.INVALID, "the id cannot change", List.of(new Problem.FieldError("/id", "cannot change"))));
        }
        if (body.has("workspaceId")) {
            SubscriptionRequests.requireWorkspace(body);
        }
        boolean newSecret = body.hasNonNull("secret");
        boolean enabling = body.path("enabled").asBoolean(false);
        return update(r, id, spec -> SubscriptionRequests.merge(spec, body), description, newSecret, enabling);
    }

    /**
     * A change written at the request's {@code If-Match} version.
     *
     * @param enabling whether the request said {@code "enabled": true}
     */
    private Answer update(
            Request r,
            String id,
            SubscriptionEdits.SpecChange change,
            Optional<String> description,
            boolean newSecret,
            boolean enabling) {
        StoredSubscription written = written(backend.writer()
                .write(id, backend.edits().update(id, change, description, SubscriptionRequests.ifMatch(r))));
        audit.info(
                "{} changed subscription {} (version {}){}",
                r.caller(),
                id,
                written.version(),
                newSecret ? ", its secret replaced" : "");
        if (enabling) { // one state path with auto-disable: enabled here is enabled there too
            backend.enableEndpoint(id);
        }
        return shown(200, written);
    }

    private Answer delete(Request r, String id) {
        written(backend.writer().write(id, backend.edits().delete(id, SubscriptionRequests.ifMatch(r))));
        audit.info("{} deleted subscription {}", r.caller(), id);
        backend.forget(id);
        return Answer.empty(204);
    }

    private Answer rotate(Request r, String id) {
        ObjectNode body = r.body().length == 0 ? JSON.createObjectNode() : SubscriptionRequests.object(r, false);
        java.time.Duration overlap = SubscriptionRequests.overlap(body);
        String secret = SubscriptionEdits.newSecret(random);
        StoredSubscription written = written(backend.writer()
                .write(id, backend.edits().rotate(id, secret, overlap, SubscriptionRequests.ifMatch(r))));
        audit.info(
                "{} rotated the secret of subscription {} (version {}; the previous ones sign for {})",
                r.caller(),
                id,
                written.version(),
                overlap);
        return withSecret(200, written, secret);
    }

    private Answer secret(Request r, String id) {
        StoredSubscription s = stored(id);
        audit.info("{} read the secret of subscription {} (version {})", r.caller(), id, s.version());
        ObjectNode json = JSON.createObjectNode().put("secret", actions.currentSecret(s));
        return Answer.json(200, json).withHeader("Cache-Control", "no-store");
    }

    private StoredSubscription stored(String id) {
        StoredSubscription s = backend.records().get(id);
        if (s == null) {
            throw new Rejected(Problem.of(
                    Kind.NOT_FOUND,
                    "no subscription " + id
                            + (backend.fileIds().contains(id)
                                    ? " in topics.subscriptions (it is in the config file: change it there)"
                                    : "")));
        }
        return s;
    }

    /** What a write wrote, or the problem its refusal is. */
    private static StoredSubscription written(Outcome outcome) {
        if (outcome instanceof Refusal refused) {
            throw new Rejected(SubscriptionRequests.problem(refused));
        }
        return ((SubscriptionAdmin.Written) outcome).record().orElse(null);
    }

    private Answer shown(int status, StoredSubscription s) {
        ObjectNode json = SubscriptionView.of(s, backend.schema(), backend.fileIds());
        return Answer.json(status, json).withHeader("ETag", "\"" + s.version() + "\"");
    }

    private Answer withSecret(int status, StoredSubscription s, String secret) {
        ObjectNode json = SubscriptionView.of(s, backend.schema(), backend.fileIds());
        json.put("secret", secret);
        return Answer.json(status, json)
                .withHeader("ETag", "\"" + s.version() + "\"")
                .withHeader("Cache-Control", "no-store");
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A request refused: the problem is the answer. */
    static final class Rejected extends RuntimeException {
        final transient Problem problem;

        Rejected(Problem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }
    }

    static JsonNode read(byte[] body) throws IOException {
        return JSON.readTree(body);
    }
}
