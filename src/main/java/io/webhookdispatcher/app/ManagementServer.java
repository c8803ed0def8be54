package io.webhookdispatcher.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.consume.LoopStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics}, {@code /health/live} and {@code /health/ready} on the management port.
 *
 * <p>Live fails when a consumer loop stopped on an error or has not completed a poll within the
 * liveness timeout (a stuck loop is worth a restart). Ready fails until every loop has joined its
 * group and the producer is usable, and again from the moment shutdown begins.
 *
 * <p>No client can hold the probes up. The JDK's {@code com.sun.net.httpserver} reads a request's head on its
 * executor's thread with no timeout, so a few half-sent requests took every thread; its timeouts are JVM-wide
 * system properties. Here each connection gets a thread from a pool of {@link Limits#maxConnections}, one
 * deadline covers the whole exchange (idle, reading the head, writing the answer: the socket is closed when it
 * passes), every answer closes the connection (no idle keep-alive), and a new connection over the cap closes the
 * oldest open one: a probe is answered within milliseconds of its accept, so it is never the oldest for long.
 */
final class ManagementServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);
    /** A probe's or a scrape's request head is a few hundred bytes; more is not a client of ours. */
    private static final int MAX_HEAD_BYTES = 8 * 1024;

    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * @param maxConnections connections served at once (and threads); a new one beyond closes the oldest
     * @param timeout        deadline of one exchange, from accept to the last byte of the answer
     */
    record Limits(int maxConnections, Duration timeout) {
        static final Limits DEFAULTS = new Limits(16, Duration.ofSeconds(10));

        Limits {
            if (maxConnections < 1 || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("maxConnections and timeout must be positive");
            }
        }
    }

    private final ServerSocket socket;
    private final PrometheusMeterRegistry registry;
    private final List<LoopStatus> loops;
    private final Duration livenessTimeout;
    private final BooleanSupplier accepting;
    private final Limits limits;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService deadlines;
    /** Open connections, oldest first; guarded by itself. */
    private final Deque<Connection> open = new ArrayDeque<>();

    private final Thread acceptor;
    private volatile boolean closed;

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
        this.limits = Objects.requireNonNull(limits, "limits");
        // a fixed pool with a queue: a thread whose connection was just evicted may not have returned yet; the
        // queue never holds more than the open connections, which the cap bounds
        workers = new ThreadPoolExecutor(
                limits.maxConnections(),
                limits.maxConnections(),
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                daemons("management-http"));
        workers.allowCoreThreadTimeOut(true);
        deadlines = Executors.newSingleThreadScheduledExecutor(daemons("management-deadlines"));
        socket = new ServerSocket();
        try {
            socket.bind(new InetSocketAddress(address, port), 64);
        } catch (IOException e) {
            closeResources();
            throw new IOException("cannot listen on " + address + ":" + port + ": " + e.getMessage(), e);
        }
        acceptor = daemons("management-accept").newThread(this::acceptLoop);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** The address bound, as configured ({@code 0.0.0.0}: every interface). */
    String address() {
        return socket.getInetAddress().getHostAddress();
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

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("management port: accept failed: {}", e.toString());
                }
                continue;
            }
            var connection = new Connection(client);
            Connection evicted = null;
            synchronized (open) {
                if (open.size() >= limits.maxConnections()) {
                    evicted = open.pollFirst();
                }
                open.addLast(connection);
            }
            if (evicted != null) {
                evicted.close();
            }
            try {
                connection.deadline =
                        deadlines.schedule(connection::close, limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
                workers.execute(connection);
            } catch (RejectedExecutionException closing) {
                connection.close();
            }
        }
    }

    /** One exchange: read the head, answer, close. */
    private final class Connection implements Runnable {
        final Socket client;
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> deadline;

        Connection(Socket client) {
            this.client = client;
        }

        @Override
        public void run() {
            try {
                if (done.get()) {
                    return; // evicted or timed out while waiting for a thread
                }
                // the read timeout only frees the thread early; the scheduled deadline is what bounds the exchange
                client.setSoTimeout((int) limits.timeout().toMillis());
                serve(client.getInputStream(), client.getOutputStream());
            } catch (SocketException | java.net.SocketTimeoutException closedOrTimedOut) {
                // evicted, past its deadline, or the client went away: nothing to answer
            } catch (IOException e) {
                log.debug("management port: {}", e.toString());
            } finally {
                close();
            }
        }

        void close() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            synchronized (open) {
                open.remove(this);
            }
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
            try {
                client.close(); // also unblocks a read or write under way on the worker thread
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void serve(InputStream in, OutputStream out) throws IOException {
        String head = readHead(in);
        if (head == null) {
            respond(out, 431, "request head too large\n", "text/plain", true);
            return;
        }
        String[] requestLine = head.substring(0, head.indexOf('\r')).split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/")) {
            respond(out, 400, "bad request\n", "text/plain", true);
            return;
        }
        boolean withBody = !requestLine[0].equals("HEAD");
        if (!requestLine[0].equals("GET") && withBody) {
            respond(out, 405, "only GET and HEAD\n", "text/plain", true);
            return;
        }
        String target = requestLine[1];
        int query = target.indexOf('?');
        switch (query < 0 ? target : target.substring(0, query)) {
            case "/metrics" -> respond(out, 200, registry.scrape(), PROMETHEUS_TEXT, withBody);
            case "/health/live" -> health(out, liveProblem(), withBody);
            case "/health/ready" -> health(out, readyProblem(), withBody);
            default -> respond(out, 404, "not found\n", "text/plain", withBody);
        }
    }

    /** The request head up to its blank line (a body, if any, is ignored: the connection closes); null if too large. */
    private static String readHead(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream(512);
        int matched = 0; // of "\r\n\r\n"
        while (head.size() < MAX_HEAD_BYTES) {
            int b = in.read();
            if (b < 0) {
                throw new SocketException("closed before the end of the request head");
            }
            head.write(b);
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static void health(OutputStream out, String problem, boolean withBody) throws IOException {
        if (problem == null) {
            respond(out, 200, "{\"status\":\"UP\"}", JSON, withBody);
        } else {
            respond(
                    out,
                    503,
                    "{\"status\":\"DOWN\",\"reason\":\"" + problem.replace("\"", "'") + "\"}",
                    JSON,
                    withBody);
        }
    }

    private static void respond(OutputStream out, int status, String body, String contentType, boolean withBody)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (withBody) {
            out.write(bytes);
        }
        out.flush();
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

    private static java.util.concurrent.ThreadFactory daemons(String name) {
        var n = new AtomicInteger();
        return r -> {
            var t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private void closeResources() {
        workers.shutdownNow();
        deadlines.shutdownNow();
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        List<Connection> remaining;
        synchronized (open) {
            remaining = List.copyOf(open);
        }
        remaining.forEach(Connection::close);
        closeResources();
    }
}
