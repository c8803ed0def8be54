package io.webhookdispatcher.admin;

import io.webhookdispatcher.admin.Problem.Kind;
import io.webhookdispatcher.metrics.AdminMeters;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The admin port's HTTP: {@code GET /v1/openapi.json} for anyone; everything under {@code /v1/subscriptions} only
 * with {@code Authorization: Bearer <token>} of {@link AdminTokens} (else 401, nothing read or changed); a body of at
 * most {@link #MAX_BODY_BYTES} (else 413); any other path 404. The {@link SubscriptionsApi} does the rest on a Jetty
 * worker thread (a write waits for the broker). Every error is {@code application/problem+json}.
 */
public final class AdminHandler extends Handler.Abstract {
    /** A subscription is a few hundred bytes; a filter with a long expression a few KiB. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    static final String OPENAPI = "/v1/openapi.json";

    private final AdminTokens tokens;
    private final SubscriptionsApi api;
    private final byte[] openApi;
    private final AdminMeters meters;

    /**
     * @param openApi the OpenAPI document, served as it is
     * @param meters  told each request's operation, status and duration
     */
    public AdminHandler(AdminTokens tokens, SubscriptionsApi api, byte[] openApi, AdminMeters meters) {
        super(InvocationType.BLOCKING);
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.api = Objects.requireNonNull(api, "api");
        this.openApi = openApi.clone();
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        String operation = Operations.of(method, path);
        Callback measured = Callback.from(
                callback, () -> meters.request(operation, response.getStatus(), System.nanoTime() - start));
        if (path.equals(OPENAPI)) {
            if (!method.equals("GET")) {
                respond(
                        response,
                        measured,
                        Problem.of(Kind.METHOD_NOT_ALLOWED, "this resource takes GET")
                                .answer()
                                .withHeader("Allow", "GET"));
            } else {
                respond(response, measured, new Answer(200, "application/json", openApi, Map.of()));
            }
            return true;
        }
        if (!path.equals(SubscriptionsApi.PREFIX) && !path.startsWith(SubscriptionsApi.PREFIX + "/")) {
            respond(
                    response,
                    measured,
                    Problem.of(Kind.NOT_FOUND, "no resource " + path).answer());
            return true;
        }
        Optional<String> caller = bearer(request).flatMap(tokens::caller);
        if (caller.isEmpty()) {
            respond(
                    response,
                    measured,
                    Problem.of(Kind.UNAUTHORIZED, "send Authorization: Bearer <token>")
                            .answer()
                            .withHeader("WWW-Authenticate", "Bearer realm=\"webhook-dispatcher\""));
            return true;
        }
        if (request.getLength() > MAX_BODY_BYTES) {
            respond(response, measured, tooLarge());
            return true;
        }
        Content.Source.asByteArrayAsync(
                request,
                MAX_BODY_BYTES,
                Promise.Invocable.from(InvocationType.BLOCKING, (byte[] body, Throwable failure) -> {
                    if (failure != null) {
                        respond(
                                response,
                                measured,
                                Request.getContentBytesRead(request) > MAX_BODY_BYTES
                                        ? tooLarge()
                                        : Problem.of(Kind.MALFORMED, "the body could not be read")
                                                .answer());
                        return;
                    }
                    Function<String, String> headers =
                            name -> request.getHeaders().get(name);
                    var call = new SubscriptionsApi.Request(method, path, query(request), headers, body, caller.get());
                    respond(response, measured, api.handle(call));
                }));
        return true;
    }

    private static Answer tooLarge() {
        return Problem.of(Kind.TOO_LARGE, "at most " + MAX_BODY_BYTES + " bytes")
                .answer();
    }

    private static Optional<String> bearer(Request request) {
        String value = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (value == null || value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.of(value.substring(7).strip());
    }

    private static Map<String, List<String>> query(Request request) {
        Fields fields = Request.extractQueryParameters(request);
        var out = new HashMap<String, List<String>>();
        for (Fields.Field f : fields) {
            out.put(f.getName(), f.getValues());
        }
        return out;
    }

    private static void respond(Response response, Callback callback, Answer answer) {
        response.setStatus(answer.status());
        answer.headers().forEach((name, value) -> response.getHeaders().put(new HttpField(name, value)));
        if (answer.body().length == 0) {
            callback.succeeded();
            return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
    }

    /** The bounded {@code operation} label of a request, for the metrics. */
    static final class Operations {
        private Operations() {}

        static String of(String method, String path) {
            if (path.equals(OPENAPI)) {
                return "openapi";
            }
            if (!path.startsWith(SubscriptionsApi.PREFIX)) {
                return "other";
            }
            String[] parts = path.substring(SubscriptionsApi.PREFIX.length()).split("/");
            if (parts.length <= 1) {
                return method.equals("POST") ? "create" : method.equals("GET") ? "list" : "other";
            }
            if (parts.length == 2) {
                return switch (method) {
                    case "GET" -> "get";
                    case "PUT" -> "replace";
                    case "PATCH" -> "patch";
                    case "DELETE" -> "delete";
                    default -> "other";
                };
            }
            return parts.length == 3
                            && List.of("test", "rotate-secret", "secret", "health")
                                    .contains(parts[2])
                    ? parts[2]
                    : "other";
        }
    }
}
