package io.webhookdispatcher.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.consume.LoopStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics}, {@code /health/live} and {@code /health/ready} on the management port.
 *
 * <p>Live fails when a consumer loop stopped on an error or has not completed a poll within the
 * liveness timeout (a stuck loop is worth a restart). Ready fails until every loop has joined its
 * group and the producer is usable, and again from the moment shutdown begins.
 *
 * <p>No client can hold the probes up, and scrapes cannot crowd them out ({@link HttpConnections}): request heads are
 * read without a thread each, so a slow or silent client costs a buffer, not a thread; a probe is answered as soon
 * as its head is in, ahead of any scrape; at most {@link Limits#maxScrapes} scrapes run at once, twice as many wait
 * for them holding no thread, and one more is answered 503 at once; only connections still sending their head are closed to make room (the oldest of more than
 * {@link Limits#maxConnections}); one deadline covers each exchange, and every answer closes the connection.
 */
final class ManagementServer implements AutoCloseable {
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String TEXT = "text/plain";

    /**
     * @param maxConnections connections still sending their request head; one more closes the oldest of them
     * @param timeout        deadline of one exchange, from accept to the last byte of the answer
     * @param maxScrapes     scrapes served at once (and threads); twice as many may wait, one more is answered 503
     */
    record Limits(int maxConnections, Duration timeout, int maxScrapes) {
        static final Limits DEFAULTS = new Limits(64, Duration.ofSeconds(10), 4);

        Limits {
            if (maxConnections < 1 || maxScrapes < 1 || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("maxConnections, maxScrapes and timeout must be positive");
            }
        }

        Limits(int maxConnections, Duration timeout) {
            this(maxConnections, timeout, DEFAULTS.maxScrapes);
        }
    }

    private final PrometheusMeterRegistry registry;
    private final List<LoopStatus> loops;
    private final Duration livenessTimeout;
    private final BooleanSupplier accepting;
    private final HttpConnections connections;
    private final InetSocketAddress bound;

    ManagementServer(
            String address,
            int port,
            PrometheusMeterRegistry registry,
            List<LoopStatus> loops,
            Duration livenessTimeout,
            BooleanSupplier accepting)
            throws IOException {
        this(address, port, registry, loops, livenessTimeout, accepting, Limits.DEFAULTS);
    }

    ManagementServer(
            String address,
            int port,
            PrometheusMeterRegistry registry,
            List<LoopStatus> loops,
            Duration livenessTimeout,
            BooleanSupplier accepting,
            Limits limits)
            throws IOException {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.loops = List.copyOf(loops);
        this.livenessTimeout = Objects.requireNonNull(livenessTimeout, "livenessTimeout");
        this.accepting = Objects.requireNonNull(accepting, "accepting");
        connections = new HttpConnections(
                address,
                port,
                new Routes(),
                limits.maxConnections(),
                limits.maxScrapes(),
                limits.timeout().toNanos());
        bound = connections.localAddress();
    }

    int port() {
        return bound.getPort();
    }

    /** The address bound, as configured ({@code 0.0.0.0}: every interface). */
    String address() {
        return bound.getAddress().getHostAddress();
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

    /** The answers: the probes and errors at once, {@code /metrics} on a scrape thread. */
    private final class Routes implements HttpConnections.Routes {
        @Override
        public byte[] quick(String head) {
            String[] requestLine = head.substring(0, head.indexOf('\r')).split(" ");
            if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/")) {
                return respond(400, "bad request\n", TEXT, true);
            }
            boolean withBody = !requestLine[0].equals("HEAD");
            if (!requestLine[0].equals("GET") && withBody) {
                return respond(405, "only GET and HEAD\n", TEXT, true);
            }
            return switch (path(requestLine[1])) {
                case "/metrics" -> null;
                case "/health/live" -> health(liveProblem(), withBody);
                case "/health/ready" -> health(readyProblem(), withBody);
                default -> respond(404, "not found\n", TEXT, withBody);
            };
        }

        @Override
        public byte[] scrape(String head) {
            return respond(200, registry.scrape(), PROMETHEUS_TEXT, !head.startsWith("HEAD "));
        }

        @Override
        public byte[] busy() {
            return respond(503, "too many scrapes at once\n", TEXT, true);
        }

        @Override
        public byte[] tooLarge() {
            return respond(431, "request head too large\n", TEXT, true);
        }
    }

    private static String path(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    private static byte[] health(String problem, boolean withBody) {
        if (problem == null) {
            return respond(200, "{\"status\":\"UP\"}", JSON, withBody);
        }
        return respond(503, "{\"status\":\"DOWN\",\"reason\":\"" + problem.replace("\"", "'") + "\"}", JSON, withBody);
    }

    private static byte[] respond(int status, String body, String contentType, boolean withBody) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n"
                + (status == 503 && contentType.equals(TEXT) ? "Retry-After: 1\r\n" : "") + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        if (!withBody) {
            return headBytes;
        }
        byte[] answer = Arrays.copyOf(headBytes, headBytes.length + bytes.length);
        System.arraycopy(bytes, 0, answer, headBytes.length, bytes.length);
        return answer;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            default -> "Service Unavailable";
        };
    }

    @Override
    public void close() {
        connections.close();
    }
}
