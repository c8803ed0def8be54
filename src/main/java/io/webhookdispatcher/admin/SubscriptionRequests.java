package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.admin.Problem.FieldError;
import io.webhookdispatcher.admin.Problem.Kind;
import io.webhookdispatcher.admin.SubscriptionsApi.Rejected;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Request bodies of the admin API read into a subscription's spec, the keys of a config file's subscription: what the
 * API takes beside them ({@code description}), what it never takes (the pod's files, the secrets list, the metadata),
 * and how the store's refusals become problems with a JSON pointer per field.
 */
final class SubscriptionRequests {
    private SubscriptionRequests() {}

    /** Keys the API never takes: secrets go through {@code secret} and rotate-secret; the pod's files are not a tenant's. */
    private static final List<String> NOT_TAKEN = List.of("secrets", "secretFile", "tls");
    /** Keys the API shows and keeps itself. */
    private static final List<String> READ_ONLY =
            List.of("version", "createdAt", "updatedAt", "status", "secretCount", "previousSecretsUntil");

    static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);
    static final Duration MAX_OVERLAP = Duration.ofDays(7);

    /** A field of a store's error message: {@code <source>: subscriptions[<id>].<field>: <detail>}. */
    private static final Pattern FIELD_ERROR =
            Pattern.compile("^(?:.*?subscriptions\\[[^\\]]*\\]\\.?)?([\\w.\\[\\]]*): (.*)$");

    /** The body as a JSON object; {@code mergePatch}: {@code application/merge-patch+json} is taken too. */
    static ObjectNode object(SubscriptionsApi.Request r, boolean mergePatch) {
        String type = r.header("Content-Type")
                .map(t -> t.split(";")[0].strip().toLowerCase(java.util.Locale.ROOT))
                .orElse("application/json");
        if (!type.equals("application/json") && !(mergePatch && type.equals("application/merge-patch+json"))) {
            throw new Rejected(Problem.of(
                    Kind.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type " + type + ": send application/json"
                            + (mergePatch ? " or application/merge-patch+json" : "")));
        }
        JsonNode json;
        try {
            json = SubscriptionsApi.read(r.body());
        } catch (IOException e) {
            throw new Rejected(Problem.of(Kind.MALFORMED, "the body is not JSON"));
        }
        if (json == null || !json.isObject()) {
            throw new Rejected(Problem.of(Kind.MALFORMED, "the body must be a JSON object"));
        }
        return (ObjectNode) json;
    }

    /** Takes {@code description} out of the body: a string, or {@code fallback} when absent or null. */
    static String description(ObjectNode body, String fallback) {
        JsonNode d = body.remove("description");
        if (d == null || d.isNull()) {
            return fallback;
        }
        if (!d.isTextual()) {
            throw invalid("/description", "must be a string");
        }
        return d.asText();
    }

    /**
     * Refuses the keys the API never takes; drops the read-only ones when they are what a GET showed (a PUT of a GET's
     * answer), with {@code create} refusing them.
     */
    static void refuseReadOnly(ObjectNode body, boolean create) {
        var errors = new ArrayList<FieldError>();
        for (String key : NOT_TAKEN) {
            if (body.has(key)) {
                errors.add(new FieldError(
                        "/" + key,
                        key.equals("secrets")
                                ? "is not taken here: give secret, or use POST …/rotate-secret"
                                : "is not taken by the API (it reads a file of the dispatcher's pod)"));
            }
        }
        for (String key : READ_ONLY) {
            if (body.has(key)) {
                if (create) {
                    errors.add(new FieldError("/" + key, "is read-only"));
                } else {
                    body.remove(key);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new Rejected(new Problem(Kind.INVALID, "the request has keys the API does not take", errors));
        }
    }

    /** PUT: the body is the whole spec, but for the secrets, kept unless {@code secret} is given. */
    static void replace(ObjectNode spec, ObjectNode body) {
        JsonNode secret = spec.get("secret");
        JsonNode secrets = spec.get("secrets");
        String id = spec.path("id").asText();
        spec.removeAll();
        spec.setAll(body);
        spec.put("id", id);
        if (!body.has("secret")) {
            if (secret != null) {
                spec.set("secret", secret);
            }
            if (secrets != null) {
                spec.set("secrets", secrets);
            }
        } else {
            spec.remove("secrets");
        }
    }

    /** PATCH, RFC 7396: each key given replaces the spec's, null removes it; a new secret replaces all of them. */
    static void merge(ObjectNode spec, ObjectNode patch) {
        if (patch.hasNonNull("secret")) {
            spec.remove("secrets");
        }
        mergeInto(spec, patch);
    }

    private static void mergeInto(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isNull()) {
                target.remove(e.getKey());
            } else if (e.getValue() instanceof ObjectNode nested) { // applied to {} when the target has no object
                ObjectNode inner = target.get(e.getKey()) instanceof ObjectNode o ? o : target.putObject(e.getKey());
                mergeInto(inner, nested);
            } else {
                target.set(e.getKey(), e.getValue());
            }
        }
    }

    /** rotate-secret's {@code overlap}: an ISO-8601 or config duration ({@code 24h}), 0 to 7 days; 24h by default. */
    static Duration overlap(ObjectNode body) {
        JsonNode value = body.remove("overlap");
        if (!body.isEmpty()) {
            throw invalid("/" + body.fieldNames().next(), "is not taken here (only overlap)");
        }
        if (value == null || value.isNull()) {
            return DEFAULT_OVERLAP;
        }
        Optional<Duration> d = value.isTextual() ? duration(value.asText()) : Optional.empty();
        if (d.isEmpty() || d.get().isNegative() || d.get().compareTo(MAX_OVERLAP) > 0) {
            throw invalid("/overlap", "must be a duration from 0s to 7d, such as 24h or PT1H");
        }
        return d.get();
    }

    private static Optional<Duration> duration(String text) {
        try {
            return Optional.of(Duration.parse(text));
        } catch (DateTimeParseException e) {
            Matcher m = Pattern.compile("^(\\d{1,9})(ms|s|m|h|d)$").matcher(text);
            if (!m.matches()) {
                return Optional.empty();
            }
            long n = Long.parseLong(m.group(1));
            return Optional.of(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    });
        }
    }

    /**
     * A subscription of the API is one workspace's: without {@code workspaceId} it would get every workspace's
     * events, which only the operator's config file (or the command) may make.
     */
    static void requireWorkspace(ObjectNode body) {
        JsonNode w = body.get("workspaceId");
        if (w == null || !w.isTextual() || w.asText().isBlank()) {
            throw invalid("/workspaceId", "is required: a subscription of the API gets one workspace's events");
        }
    }

    /**
     * What identifies a create request for its {@code Idempotency-Key}: a digest of the body as sent, without its
     * {@code secret} (the digest is stored in clear, and a weak secret must not be guessable from it).
     */
    static String digest(ObjectNode body) {
        ObjectNode copy = body.deepCopy();
        copy.remove("secret");
        return sha256(copy.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A store's refusal as the problem the API answers. */
    static Problem problem(Refusal refused) {
        String detail = String.join("; ", refused.messages());
        return switch (refused.reason()) {
            case NOT_FOUND -> Problem.of(Kind.NOT_FOUND, detail);
            case CONFLICT -> Problem.of(Kind.CONFLICT, detail);
            case VERSION_MISMATCH -> Problem.of(Kind.PRECONDITION_FAILED, detail);
            case KEY_REUSED -> Problem.of(Kind.KEY_REUSED, detail);
            case INVALID ->
                new Problem(
                        Kind.INVALID,
                        refused.messages().size() == 1
                                ? "1 field is not valid"
                                : refused.messages().size() + " errors",
                        refused.messages().stream()
                                .map(SubscriptionRequests::fieldError)
                                .toList());
        };
    }

    /** {@code crm.subs: subscriptions[a].circuitBreaker.failureRatio: must be …} as {@code /circuitBreaker/failureRatio}. */
    static FieldError fieldError(String message) {
        Matcher m = FIELD_ERROR.matcher(message);
        if (!m.matches()) {
            return new FieldError("", message);
        }
        String pointer = m.group(1).isEmpty()
                ? ""
                : "/" + m.group(1).replaceAll("\\[(\\d+)\\]", ".$1").replace('.', '/');
        return new FieldError(pointer, m.group(2));
    }

    private static Rejected invalid(String pointer, String detail) {
        return new Rejected(new Problem(
                Kind.INVALID, pointer.substring(1) + " " + detail, List.of(new FieldError(pointer, detail))));
    }

    /** {@code limit} of a list: 1 to {@link SubscriptionsApi#MAX_LIMIT}. */
    static int limit(String text) {
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= SubscriptionsApi.MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Rejected(
                Problem.of(Kind.MALFORMED, "limit: must be a whole number from 1 to " + SubscriptionsApi.MAX_LIMIT));
    }

    /** The version of {@code If-Match}: {@code "3"}, {@code W/"3"} or {@code 3}; {@code *} or none: any. */
    static OptionalLong ifMatch(SubscriptionsApi.Request r) {
        Optional<String> value = r.header("If-Match");
        if (value.isEmpty() || value.get().equals("*")) {
            return OptionalLong.empty();
        }
        String v = value.get().replaceFirst("^W/", "").replace("\"", "");
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new Rejected(Problem.of(
                    Kind.MALFORMED, "If-Match: must be the subscription's version as its ETag gives it (\"3\")"));
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
