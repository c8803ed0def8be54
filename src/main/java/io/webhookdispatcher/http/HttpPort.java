package io.webhookdispatcher.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A port of the dispatcher's own (ingest, admin API): a Jetty server with one connector and one handler. Jetty does
 * the HTTP/1.1 (keep-alive, chunked bodies, {@code Expect: 100-continue}, header limits, idle timeouts); how long a
 * request holds one of its threads is the handler's (ingest: none while the broker acknowledges; admin: a write).
 * On close it stops accepting, lets the requests under way finish within the given time, then closes their
 * connections.
 */
public final class HttpPort implements AutoCloseable {
    /** Threads for the acceptor, the selector and the handlers. */
    private static final int MAX_THREADS = 16;

    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** A connection idle this long is closed. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Server server;
    private final ServerConnector connector;

    /**
     * @param name its threads' name and its errors'
     * @param port 0 for a free one ({@link #port()} tells which)
     */
    public HttpPort(String name, String address, int port, Handler handler) {
        this.name = name;
        var threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName(name);
        threads.setDaemon(true);
        server = new Server(threads);
        var http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(address);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        var graceful = new GracefulHandler(handler);
        // on stop, a kept-alive connection with no request under way closes at once instead of at its idle timeout
        graceful.setShutdownIdleTimeout(100);
        server.setHandler(graceful);
        server.setStopAtShutdown(false); // Application's shutdown stops it, in its order
    }

    /** Binds the port and starts serving. */
    public void start() throws Exception {
        server.start();
    }

    /** The bound port. */
    public int port() {
        return connector.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost() == null ? "0.0.0.0" : connector.getHost(), port());
    }

    /** Stops within {@code timeout}: no new requests, those under way answered if the broker answers in time. */
    public void close(Duration timeout) {
        server.setStopTimeout(Math.max(1, timeout.toMillis()));
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the " + name + " port failed", e);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
