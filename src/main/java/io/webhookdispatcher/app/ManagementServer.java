package io.webhookdispatcher.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.consume.LoopStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics}, {@code /health/live} and {@code /health/ready} on the management port.
 *
 * <p>Live fails when a consumer loop stopped on an error or has not completed a poll within the
 * liveness timeout (a stuck loop is worth a restart). Ready fails until every loop has joined its
 * group and the producer is usable, and again from the moment shutdown begins.
 */
final class ManagementServer implements AutoCloseable {
    private final HttpServer server;
    private final PrometheusMeterRegistry registry;
    private final List<LoopStatus> loops;
    private final Duration livenessTimeout;
    private final BooleanSupplier accepting;

    ManagementServer(
            int port,
            PrometheusMeterRegistry registry,
            List<LoopStatus> loops,
            Duration livenessTimeout,
            BooleanSupplier accepting)
            throws IOException {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.loops = List.copyOf(loops);
        this.livenessTimeout = Objects.requireNonNull(livenessTimeout, "livenessTimeout");
        this.accepting = Objects.requireNonNull(accepting, "accepting");
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            var t = new Thread(r, "management-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext(
                "/metrics", ex -> respond(ex, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        server.createContext("/health/live", ex -> health(ex, liveProblem()));
        server.createContext("/health/ready", ex -> health(ex, readyProblem()));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String liveProblem() {
        for (LoopStatus loop : loops) {
            if (loop.failure() != null) {
                return loop.name() + " stopped: " + loop.failure().getClass().getSimpleName();
            }
            if (loop.nanosSinceLastPoll() > livenessTimeout.toNanos()) {
                return loop.name() + " has not polled for "
                        + Duration.ofNanos(loop.nanosSinceLastPoll()).toSeconds() + "s";
            }
        }
        return null;
    }

    String readyProblem() {
        if (!accepting.getAsBoolean()) {
            return "not accepting work (starting or shutting down)";
        }
        for (LoopStatus loop : loops) {
            if (!loop.hasJoined()) {
                return loop.name() + " has not joined its consumer group yet";
            }
        }
        return liveProblem();
    }

    private static void health(HttpExchange ex, String problem) throws IOException {
        if (problem == null) {
            respond(ex, 200, "{\"status\":\"UP\"}", "application/json");
        } else {
            respond(
                    ex,
                    503,
                    "{\"status\":\"DOWN\",\"reason\":\"" + problem.replace("\"", "'") + "\"}",
                    "application/json");
        }
    }

    private static void respond(HttpExchange ex, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
