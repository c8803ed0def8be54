package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * An RFC 9457 problem: what the admin API answers instead of a resource, as {@code application/problem+json}. The
 * {@code type} names the kind of problem (one per {@link Kind}, documented in the API reference), {@code detail} this
 * occurrence, and {@code errors} each invalid field with its JSON pointer into the request body.
 */
public record Problem(Kind kind, String detail, List<FieldError> errors) {
    static final String MEDIA_TYPE = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The kinds of problem, each with its status and title. */
    public enum Kind {
        MALFORMED(400, "malformed-request", "The request is not what this endpoint takes"),
        INVALID(422, "invalid-subscription", "The subscription is not valid"),
        UNAUTHORIZED(401, "unauthorized", "A valid bearer token is required"),
        NOT_FOUND(404, "not-found", "No such resource"),
        METHOD_NOT_ALLOWED(405, "method-not-allowed", "The resource does not take this method"),
        CONFLICT(409, "conflict", "The request conflicts with the subscription as it is"),
        PRECONDITION_FAILED(412, "version-mismatch", "The subscription is not at the version of If-Match"),
        TOO_LARGE(413, "request-too-large", "The request body is too large"),
        UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "The request body must be JSON"),
        KEY_REUSED(422, "idempotency-key-reused", "The Idempotency-Key was used with another request"),
        BUSY(429, "busy", "Too many such requests under way: try again shortly"),
        INTERNAL(500, "internal-error", "The request failed on the server"),
        UNAVAILABLE(503, "unavailable", "The subscriptions topic cannot be written or read now");

        public final int status;
        public final String slug;
        public final String title;

        Kind(int status, String slug, String title) {
            this.status = status;
            this.slug = slug;
            this.title = title;
        }

        /** The problem type URI, as the OpenAPI document and the reference list it. */
        public String type() {
            return "https://webhook-dispatcher.dev/problems/" + slug;
        }
    }

    /** @param pointer the JSON pointer of the field in the request body ({@code /url}), or empty for the whole */
    public record FieldError(String pointer, String detail) {}

    public Problem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        errors = List.copyOf(errors);
    }

    static Problem of(Kind kind, String detail) {
        return new Problem(kind, detail, List.of());
    }

    /** The answer carrying it. */
    Answer answer() {
        ObjectNode json = JSON.createObjectNode()
                .put("type", kind.type())
                .put("title", kind.title)
                .put("status", kind.status)
                .put("detail", detail);
        if (!errors.isEmpty()) {
            var list = json.putArray("errors");
            errors.forEach(e -> list.addObject().put("pointer", e.pointer()).put("detail", e.detail()));
        }
        return Answer.json(kind.status, json).withContentType(MEDIA_TYPE);
    }
}
