package io.webhookdispatcher.app;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port's connections: one thread accepts them and reads every request head without blocking, so a
 * client that sends nothing or half a head holds no thread (issue 20: past 16 open connections the old server
 * closed the oldest, which under scrape load was the probe's). A complete head is answered at once on that thread
 * when the answer is cheap (the probes, errors), or handed to one of {@code maxScrapes} scrape threads; twice as many
 * more may wait for one, holding no thread, and a scrape beyond those is answered 503 at once. Only connections still sending their head count against {@code
 * maxPending}, and one over the cap closes the oldest of them: a probe's head arrives with its connect and is read
 * before the next connections are accepted, so a probe is never the oldest for long. One deadline from accept covers
 * each exchange.
 */
final class HttpConnections implements AutoCloseable {
    /** What the server says to a complete request head. */
    interface Routes {
        /** The whole answer, cheap enough for the accepting thread; null when it is a scrape. */
        byte[] quick(String head);

        /** The answer to a scrape, on a scrape thread. */
        byte[] scrape(String head);

        /** The answer when {@code maxScrapes} scrapes are under way already. */
        byte[] busy();

        /** The answer to a head larger than {@link #MAX_HEAD_BYTES}. */
        byte[] tooLarge();
    }

    /** A probe's or a scrape's request head is a few hundred bytes; more is not a client of ours. */
    static final int MAX_HEAD_BYTES = 8 * 1024;

    private static final Logger log = LoggerFactory.getLogger(HttpConnections.class);
    /**
     * Connections accepted per turn of the loop, before the heads that arrived are read again: fewer than half of
     * {@code maxPending} by default, so a connection is read at least once before newer ones can push it out.
     */
    private static final int ACCEPTS_PER_TURN = 24;
    /**
     * Connects the kernel queues until they are accepted (capped by {@code net.core.somaxconn}): past it, a SYN is
     * dropped and the client retries a second later, too late for a probe's 1 s timeout in a flood of connects.
     */
    private static final int BACKLOG = 1024;
    /** Scrapes that may wait for a scrape thread, per thread. */
    private static final int WAITING_SCRAPES_PER_THREAD = 2;

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Routes routes;
    private final int maxPending;
    private final long timeoutNanos;
    private final ThreadPoolExecutor scrapers;
    /** Connections still sending their head, oldest first; only the loop thread touches it. */
    private final Deque<Pending> pending = new ArrayDeque<>();

    private final Thread loop;
    private volatile boolean closed;

    HttpConnections(String address, int port, Routes routes, int maxPending, int maxScrapes, long timeoutNanos)
            throws IOException {
        this.routes = Objects.requireNonNull(routes, "routes");
        this.maxPending = maxPending;
        this.timeoutNanos = timeoutNanos;
        // a few scrapes wait their turn holding no thread; past them, the answer is 503 at once
        scrapers = new ThreadPoolExecutor(
                maxScrapes,
                maxScrapes,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(maxScrapes * WAITING_SCRAPES_PER_THREAD),
                daemons("management-scrape"));
        selector = Selector.open();
        var local = new InetSocketAddress(address, port);
        // the address's own family: 0.0.0.0 is every IPv4 interface, as with a ServerSocket, not IPv6's :: too
        server = ServerSocketChannel.open(
                local.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET);
        try {
            server.bind(local, BACKLOG);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) { // an unresolved address is an UnresolvedAddressException
            close();
            throw new IOException("cannot listen on " + address + ":" + port + ": " + e, e);
        }
        loop = daemons("management-http").newThread(this::run);
        loop.start();
    }

    InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** A connection whose request head is still arriving. */
    private static final class Pending {
        final SocketChannel channel;
        final long deadline;
        ByteBuffer head = ByteBuffer.allocate(512);
        SelectionKey key;

        Pending(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }
    }

    private void run() {
        while (!closed) {
            try {
                selector.select(this::ready, waitMillis());
                acceptSome();
                expire();
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.warn("management port: {}", e.toString());
                }
            }
        }
    }

    /** Until the oldest pending head's deadline, at most a second. */
    private long waitMillis() {
        Pending oldest = pending.peekFirst();
        if (oldest == null) {
            return 1_000;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(oldest.deadline - System.nanoTime());
        return Math.max(1, Math.min(1_000, millis + 1));
    }

    /** Reads what arrived on each connection the selector found ready; accepts wait for {@link #acceptSome}. */
    private void ready(SelectionKey key) {
        if (key.isValid() && key.isReadable() && key.attachment() instanceof Pending p) {
            read(p);
        }
    }

    private void acceptSome() throws IOException {
        for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
            SocketChannel channel = server.accept();
            if (channel == null) {
                return;
            }
            channel.configureBlocking(false);
            var p = new Pending(channel, System.nanoTime() + timeoutNanos);
            p.key = channel.register(selector, SelectionKey.OP_READ, p);
            pending.addLast(p);
            if (pending.size() > maxPending) {
                close(pending.pollFirst()); // the oldest that has not sent its head yet
            }
        }
    }

    private void expire() {
        long now = System.nanoTime();
        while (!pending.isEmpty() && pending.peekFirst().deadline - now <= 0) {
            close(pending.pollFirst());
        }
    }

    private void read(Pending p) {
        try {
            int before = p.head.position();
            if (!p.head.hasRemaining()) {
                p.head = ByteBuffer.allocate(Math.min(MAX_HEAD_BYTES, p.head.capacity() * 2))
                        .put(p.head.flip());
            }
            if (p.channel.read(p.head) < 0) {
                pending.remove(p);
                close(p);
                return;
            }
            if (endOfHead(p.head, Math.max(0, before - 3))) {
                pending.remove(p);
                answer(p, new String(p.head.array(), 0, p.head.position(), StandardCharsets.ISO_8859_1));
            } else if (p.head.position() >= MAX_HEAD_BYTES) {
                pending.remove(p);
                writeAndClose(p, routes.tooLarge());
            }
        } catch (IOException e) {
            pending.remove(p);
            close(p);
        }
    }

    /** Whether {@code "\r\n\r\n"} is in the bytes read, looking from {@code from} (the new bytes, and 3 before). */
    private static boolean endOfHead(ByteBuffer head, int from) {
        byte[] b = head.array();
        for (int i = from; i + 3 < head.position(); i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return true;
            }
        }
        return false;
    }

    private void answer(Pending p, String head) {
        byte[] quick = routes.quick(head);
        if (quick != null) {
            writeAndClose(p, quick);
        } else {
            p.key.interestOps(0); // a scrape thread has it now
            try {
                scrapers.execute(() -> scrape(p, head));
            } catch (RejectedExecutionException busyOrClosing) {
                writeAndClose(p, routes.busy());
            }
        }
    }

    /** A small answer, written at once: a fresh connection's send buffer holds it whole. */
    private static void writeAndClose(Pending p, byte[] answer) {
        try {
            p.channel.write(ByteBuffer.wrap(answer));
        } catch (IOException goneAway) {
            // nothing to answer
        } finally {
            close(p);
        }
    }

    private void scrape(Pending p, String head) {
        if (p.deadline - System.nanoTime() <= 0) {
            close(p); // waited past its deadline
            selector.wakeup();
            return;
        }
        try (Selector writable = Selector.open()) {
            ByteBuffer answer = ByteBuffer.wrap(routes.scrape(head));
            p.channel.register(writable, SelectionKey.OP_WRITE);
            while (answer.hasRemaining()) {
                long left = TimeUnit.NANOSECONDS.toMillis(p.deadline - System.nanoTime());
                if (left <= 0) {
                    return; // past its deadline: a client that does not read its answer
                }
                if (p.channel.write(answer) == 0) {
                    writable.select(left);
                    writable.selectedKeys().clear();
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("management port: scrape: {}", e.toString());
        } finally {
            close(p);
            selector.wakeup(); // the socket closes once the loop's selector lets it go: now, not at its next turn
        }
    }

    private static void close(Pending p) {
        try {
            p.channel.close(); // also cancels its keys
        } catch (IOException ignored) {
            // closing
        }
    }

    static ThreadFactory daemons(String name) {
        var n = new AtomicInteger();
        return r -> {
            var t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        closed = true;
        try {
            selector.close(); // wakes the loop, which then ends
        } catch (IOException | ClosedSelectorException ignored) {
            // closing
        }
        if (loop != null) {
            try {
                loop.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pending.forEach(HttpConnections::close);
        pending.clear();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        scrapers.shutdownNow();
    }
}
