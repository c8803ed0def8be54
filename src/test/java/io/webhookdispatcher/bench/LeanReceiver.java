package io.webhookdispatcher.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The benchmark's webhook endpoint, its own process (so that its CPU is never charged to the process
 * measured) and as cheap as HTTP/1.1 gets: one thread, one selector, keep-alive, every request answered
 * {@code 200} with an empty body. It prints {@code PORT n} on stdout once it listens on loopback.
 *
 * <p>Bad endpoints, chosen by the path's prefix, for the isolation cases:
 * <ul>
 *   <li>{@code /dead...}: the request is read and counted, and never answered; the connection stays open
 *       until the client closes it (its request timeout) or this process ends.</li>
 *   <li>{@code /slow...}: answered {@code 200} after a fixed delay ({@code slowDelayMs}, 1000 by default),
 *       from a timer queue that bounds the selector's wait, never from a sleeping thread.</li>
 * </ul>
 * Answers on one connection leave in request order, so an answer queued behind a delayed (or a never)
 * answer waits for it, as HTTP/1.1 requires. The JDK client does not pipeline, so this never happens with it.
 *
 * <p>Control requests (GET, not counted):
 * <ul>
 *   <li>{@code /_arm?expect=N&watch=PID,PID&latency=true[&spanPath=/hook1][&slowDelayMs=MS][&skip=K]} resets the
 *       counters. With {@code skip}, the first K requests of the span are a warm-up: counted, but the span
 *       starts at the one after them. At the first counted request and at the N-th it notes the time and reads utime+stime of
 *       the watched processes, of itself and of the whole machine, so a process's CPU is measured exactly
 *       from first to last delivery. With {@code spanPath}, only requests to that exact path make the span
 *       (first and N-th); every request is still counted in {@code count}, per path and per class.</li>
 *   <li>{@code /_stats[?since=MICROS][&partial=true]} answers {@code key=value} lines; with {@code since},
 *       also latency percentiles of the events produced at or after it (epoch microseconds). With
 *       {@code partial}, a span that has begun but not reached N is reported up to now
 *       ({@code spanOpen=true}): the numbers of a run that hit its time limit.</li>
 *   <li>{@code /_dump?file=PATH} writes every latency sample to PATH as CSV.</li>
 * </ul>
 * In latency mode a body whose record id is {@code lat-<epoch micros>} (see {@code EventLoader}) is a
 * produce time; receive minus produce time is recorded per request. Both clocks are this machine's.
 */
public final class LeanReceiver {
    private static final byte[] OK = ascii("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    private static final byte[] UNAVAILABLE = ascii("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
    private static final byte[] WEBHOOK_ID = ascii("\r\nwebhook-id:");
    private static final byte[] HEADER_END = ascii("\r\n\r\n");
    private static final byte[] CONTENT_LENGTH = ascii("\r\ncontent-length:");
    private static final byte[] LATENCY_ID = ascii("\"id\":\"lat-");
    private static final byte[] SPACE = {' '};
    private static final byte[] DEAD_PREFIX = ascii("/dead");
    private static final byte[] SLOW_PREFIX = ascii("/slow");
    /** Due time of an answer that is never sent. */
    private static final long NEVER = Long.MAX_VALUE;
    /** Distinct paths counted per arm; beyond that, requests are still counted, but not per path. */
    private static final int MAX_PATHS = 64;

    /** How a path answers, by its prefix. */
    private enum PathClass {
        OK,
        DEAD,
        SLOW;

        static PathClass of(byte[] a, int pathStart, int pathEnd) {
            if (startsWith(a, pathStart, pathEnd, DEAD_PREFIX)) {
                return DEAD;
            }
            return startsWith(a, pathStart, pathEnd, SLOW_PREFIX) ? SLOW : OK;
        }
    }

    /** Requests counted on one path since the last arm. */
    private static final class PathCount {
        final byte[] path;
        final PathClass pathClass;
        long count;

        PathCount(byte[] path, PathClass pathClass) {
            this.path = path;
            this.pathClass = pathClass;
        }
    }

    /** An answer held back: sent once due, and only after every earlier answer on its connection. */
    private record Held(long dueNanos, byte[] bytes) {}

    /** A slow answer's due time, to wake the selector for its connection. */
    private record Timer(long dueNanos, SelectionKey key) {}

    private final long selfPid = ProcessHandle.current().pid();
    private long count;
    private long spanCount;
    private long skip; // requests of the span path that are a warm-up, before the span
    private long skipped;
    private byte[] spanPath; // null: every counted request makes the span
    private long slowDelayNanos = 1_000_000_000L;
    private final List<PathCount> paths = new ArrayList<>();
    private final long[] byClass = new long[PathClass.values().length];
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::dueNanos));
    private long connections;
    private long expect;
    private long[] watch = {};
    private long firstNanos;
    private long lastNanos;
    private long firstWallMicros;
    private long[] firstTicks;
    private long[] lastTicks;
    private boolean latency;
    private boolean failOnce;
    private final java.util.Set<String> seen = new java.util.HashSet<>();
    private long[] producedMicros = new long[1 << 16];
    private long[] latencyMicros = new long[1 << 16];
    private int samples;

    public static void main(String[] args) throws IOException {
        new LeanReceiver().serve();
    }

    private void serve() throws IOException {
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("PORT " + ((InetSocketAddress) server.getLocalAddress()).getPort());
        System.out.flush();
        while (true) {
            selector.select(millisToNextTimer());
            releaseDue();
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                try {
                    if (key.isAcceptable()) {
                        accept(server, selector);
                    } else if (key.isReadable()) {
                        read(key);
                    } else if (key.isWritable()) {
                        flush(key);
                    }
                } catch (IOException | RuntimeException e) {
                    key.channel().close(); // a broken or unsupported connection ends alone
                }
            }
        }
    }

    /**
     * One keep-alive connection: bytes read but not yet parsed, answers not yet written, and answers held
     * back (slow or never) in request order.
     */
    private static final class Connection {
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        ByteBuffer out = ByteBuffer.allocate(4 * 1024);
        final ArrayDeque<Held> held = new ArrayDeque<>();
    }

    private void accept(ServerSocketChannel server, Selector selector) throws IOException {
        SocketChannel channel = server.accept();
        if (channel != null) {
            channel.configureBlocking(false);
            channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            channel.register(selector, SelectionKey.OP_READ, new Connection());
            connections++;
        }
    }

    /** The selector's wait: until the earliest slow answer is due; 0 (no limit) without one. */
    private long millisToNextTimer() {
        Timer next = timers.peek();
        if (next == null) {
            return 0;
        }
        long millis = (next.dueNanos() - System.nanoTime() + 999_999) / 1_000_000;
        return Math.max(1, millis); // select(0) would wait for ever
    }

    /** Sends the slow answers now due, each after the answers before it on its connection. */
    private void releaseDue() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().dueNanos() <= now) {
            SelectionKey key = timers.poll().key();
            if (!key.isValid()) {
                continue; // the client closed the connection meanwhile
            }
            Connection c = (Connection) key.attachment();
            while (!c.held.isEmpty() && c.held.peekFirst().dueNanos() <= now) {
                queue(c, c.held.pollFirst().bytes());
            }
            try {
                flush(key);
            } catch (IOException | RuntimeException e) {
                close(key);
            }
        }
    }

    /** Queues an answer due at {@code dueNanos} (0: now), behind any answer still held on the connection. */
    private void answer(SelectionKey key, Connection c, byte[] bytes, long dueNanos) {
        if (dueNanos == 0 && c.held.isEmpty()) {
            queue(c, bytes);
            return;
        }
        c.held.addLast(new Held(dueNanos, bytes));
        if (dueNanos != NEVER) {
            timers.add(new Timer(dueNanos, key));
        }
    }

    private static void close(SelectionKey key) {
        try {
            key.channel().close();
        } catch (IOException e) {
            // closing is all that was left to do
        }
    }

    private void read(SelectionKey key) throws IOException {
        Connection c = (Connection) key.attachment();
        if (((SocketChannel) key.channel()).read(c.in) < 0) {
            key.channel().close();
            return;
        }
        byte[] a = c.in.array();
        int end = c.in.position();
        int start = 0;
        while (true) { // every complete request in the buffer (the JDK client never pipelines, but be exact)
            int headerEnd = indexOf(a, start, end, HEADER_END);
            if (headerEnd < 0) {
                break;
            }
            int bodyStart = headerEnd + 4;
            int length = contentLength(a, start, headerEnd);
            if (end - bodyStart < length) {
                break;
            }
            handle(key, c, a, start, bodyStart, length);
            start = bodyStart + length;
        }
        System.arraycopy(a, start, a, 0, end - start);
        c.in.position(end - start);
        if (!c.in.hasRemaining()) { // a request larger than the buffer
            c.in = ByteBuffer.allocate(a.length * 2).put(ByteBuffer.wrap(a, 0, end - start));
        }
        flush(key);
    }

    private void handle(SelectionKey key, Connection c, byte[] a, int start, int bodyStart, int length) {
        int pathStart = indexOf(a, start, bodyStart, SPACE) + 1;
        int targetEnd = indexOf(a, pathStart, bodyStart, SPACE); // path and query
        if (a[pathStart + 1] == '_') { // "/_arm", "/_stats"
            byte[] body = control(new String(a, pathStart, targetEnd - pathStart, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.UTF_8);
            answer(
                    key,
                    c,
                    ascii("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + body.length + "\r\n\r\n"),
                    0);
            answer(key, c, body, 0);
            return;
        }
        int pathEnd = pathEnd(a, pathStart, targetEnd);
        boolean inSpan = spanPath == null || equalsRange(a, pathStart, pathEnd, spanPath);
        if (inSpan && skipped < skip) { // warm-up: counted, not measured
            skipped++;
            inSpan = false;
        }
        if (inSpan && firstTicks == null) { // the span's first request, failed or not: the span starts here
            firstNanos = System.nanoTime();
            firstWallMicros = wallMicros();
            firstTicks = ticks();
        }
        if (failOnce && seen.add(header(a, start, bodyStart, WEBHOOK_ID))) {
            answer(key, c, UNAVAILABLE, 0); // the failure path: each delivery's first attempt fails, not counted
            return;
        }
        count++;
        PathClass pathClass = countPath(a, pathStart, pathEnd);
        if (inSpan && ++spanCount == expect) {
            lastNanos = System.nanoTime();
            lastTicks = ticks();
        }
        if (latency) {
            long produced = producedMicros(a, bodyStart, length);
            if (produced > 0) {
                record(produced, wallMicros() - produced);
            }
        }
        switch (pathClass) {
            case OK -> answer(key, c, OK, 0);
            case SLOW -> answer(key, c, OK, System.nanoTime() + slowDelayNanos);
            case DEAD -> answer(key, c, OK, NEVER);
        }
    }

    /** Counts the request on its path (and its path's class); returns the class. No allocation once seen. */
    private PathClass countPath(byte[] a, int pathStart, int pathEnd) {
        for (PathCount p : paths) {
            if (equalsRange(a, pathStart, pathEnd, p.path)) {
                p.count++;
                byClass[p.pathClass.ordinal()]++;
                return p.pathClass;
            }
        }
        PathClass pathClass = PathClass.of(a, pathStart, pathEnd);
        byClass[pathClass.ordinal()]++;
        if (paths.size() < MAX_PATHS) {
            var p = new PathCount(Arrays.copyOfRange(a, pathStart, pathEnd), pathClass);
            p.count = 1;
            paths.add(p);
        }
        return pathClass;
    }

    /** A header's value (name given as CRLF + lowercase name + colon), or "" when absent. */
    private static String header(byte[] a, int start, int end, byte[] name) {
        int at = indexOf(a, start, end, name);
        if (at < 0) {
            return "";
        }
        int from = at + name.length;
        int to = indexOf(a, from, end, ascii("\r\n"));
        return new String(a, from, (to < 0 ? end : to) - from, StandardCharsets.US_ASCII).trim();
    }

    private String control(String pathAndQuery) {
        Map<String, String> q = query(pathAndQuery);
        if (pathAndQuery.startsWith("/_arm")) {
            count = 0;
            spanCount = 0;
            skip = Long.parseLong(q.getOrDefault("skip", "0"));
            skipped = 0;
            paths.clear();
            Arrays.fill(byClass, 0);
            String span = q.get("spanPath");
            spanPath = span == null || span.isEmpty()
                    ? null
                    : ascii(java.net.URLDecoder.decode(span, StandardCharsets.UTF_8));
            slowDelayNanos = Long.parseLong(q.getOrDefault("slowDelayMs", "1000")) * 1_000_000;
            connections = 0;
            samples = 0;
            firstTicks = null;
            lastTicks = null;
            expect = Long.parseLong(q.getOrDefault("expect", "0"));
            watch = q.getOrDefault("watch", "").isEmpty()
                    ? new long[0]
                    : Arrays.stream(q.get("watch").split(","))
                            .mapToLong(Long::parseLong)
                            .toArray();
            latency = Boolean.parseBoolean(q.get("latency"));
            failOnce = Boolean.parseBoolean(q.get("failOnce"));
            seen.clear();
            return "armed\n";
        }
        if (pathAndQuery.startsWith("/_dump")) {
            return dump(Path.of(java.net.URLDecoder.decode(q.get("file"), StandardCharsets.UTF_8)));
        }
        var s = new StringBuilder();
        s.append("count=")
                .append(count)
                .append('\n')
                .append("connections=")
                .append(connections)
                .append('\n');
        s.append("spanCount=").append(spanCount).append('\n');
        s.append("firstWallMicros=").append(firstWallMicros).append('\n');
        for (PathClass c : PathClass.values()) {
            s.append("class.")
                    .append(c.name().toLowerCase(Locale.ROOT))
                    .append('=')
                    .append(byClass[c.ordinal()])
                    .append('\n');
        }
        for (PathCount p : paths) {
            s.append("path.")
                    .append(new String(p.path, StandardCharsets.US_ASCII))
                    .append('=')
                    .append(p.count)
                    .append('\n');
        }
        if (lastTicks != null) {
            appendSpan(s, lastNanos, lastTicks);
        } else if (firstTicks != null && Boolean.parseBoolean(q.get("partial"))) {
            s.append("spanOpen=true\n");
            appendSpan(s, System.nanoTime(), ticks());
        }
        if (q.containsKey("since")) { // sorts every sample: only when asked, not on every progress poll
            appendLatency(s, Long.parseLong(q.get("since")));
        }
        return s.toString();
    }

    /** The span from its first request to {@code endNanos}, and the CPU ticks spent in it. */
    private void appendSpan(StringBuilder s, long endNanos, long[] endTicks) {
        s.append("spanNanos=").append(endNanos - firstNanos).append('\n');
        for (int i = 0; i < endTicks.length; i++) {
            String who = i < watch.length ? String.valueOf(watch[i]) : i == watch.length ? "self" : "machine";
            s.append("cpuTicks.")
                    .append(who)
                    .append('=')
                    .append(endTicks[i] - firstTicks[i])
                    .append('\n');
        }
    }

    /** Every latency sample as CSV (produced at, latency, both µs), to see when latency rose. */
    private String dump(Path file) {
        var csv = new StringBuilder("producedMicros,latencyMicros\n");
        for (int i = 0; i < samples; i++) {
            csv.append(producedMicros[i]).append(',').append(latencyMicros[i]).append('\n');
        }
        try {
            Files.writeString(file, csv);
            return "written\n";
        } catch (IOException e) {
            return "failed: " + e + "\n";
        }
    }

    private void appendLatency(StringBuilder s, long sinceMicros) {
        long[] chosen = new long[samples];
        int n = 0;
        for (int i = 0; i < samples; i++) {
            if (producedMicros[i] >= sinceMicros) {
                chosen[n++] = latencyMicros[i];
            }
        }
        Arrays.sort(chosen, 0, n);
        s.append("latency.n=").append(n).append('\n');
        if (n > 0) {
            s.append("latency.p50Micros=")
                    .append(chosen[(int) Math.ceil(0.50 * n) - 1])
                    .append('\n');
            s.append("latency.p99Micros=")
                    .append(chosen[(int) Math.ceil(0.99 * n) - 1])
                    .append('\n');
            s.append("latency.p999Micros=")
                    .append(chosen[(int) Math.ceil(0.999 * n) - 1])
                    .append('\n');
            s.append("latency.maxMicros=").append(chosen[n - 1]).append('\n');
        }
    }

    private long[] ticks() {
        long[] t = new long[watch.length + 2];
        for (int i = 0; i < watch.length; i++) {
            t[i] = Proc.cpuTicks(watch[i]);
        }
        t[watch.length] = Proc.cpuTicks(selfPid);
        t[watch.length + 1] = Proc.machineBusyTicks();
        return t;
    }

    private void record(long produced, long latencyMicros) {
        if (samples == producedMicros.length) {
            producedMicros = Arrays.copyOf(producedMicros, samples * 2);
            this.latencyMicros = Arrays.copyOf(this.latencyMicros, samples * 2);
        }
        producedMicros[samples] = produced;
        this.latencyMicros[samples++] = latencyMicros;
    }

    private static void queue(Connection c, byte[] bytes) {
        if (c.out.remaining() < bytes.length) {
            c.out = ByteBuffer.allocate(c.out.capacity() * 2 + bytes.length).put(c.out.flip());
        }
        c.out.put(bytes);
    }

    /** Writes what is queued; if the socket is full, waits for OP_WRITE instead of spinning. */
    private static void flush(SelectionKey key) throws IOException {
        Connection c = (Connection) key.attachment();
        c.out.flip();
        ((SocketChannel) key.channel()).write(c.out);
        c.out.compact();
        key.interestOps(c.out.position() > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    /** The Content-Length value; 0 without one. Chunked bodies are not supported (the JDK client sends a length). */
    private static int contentLength(byte[] a, int start, int headerEnd) {
        for (int i = start; i < headerEnd; i++) {
            if (a[i] == '\r' && regionMatchesIgnoreCase(a, i, CONTENT_LENGTH)) {
                int value = 0;
                for (int j = i + CONTENT_LENGTH.length; a[j] != '\r'; j++) {
                    if (a[j] >= '0' && a[j] <= '9') {
                        value = value * 10 + (a[j] - '0');
                    }
                }
                return value;
            }
        }
        return 0;
    }

    /** The epoch microseconds of a {@code "id":"lat-<micros>"} record id, or -1 for another body. */
    private static long producedMicros(byte[] a, int bodyStart, int length) {
        int at = indexOf(a, bodyStart, Math.min(bodyStart + length, bodyStart + 160), LATENCY_ID);
        if (at < 0) {
            return -1;
        }
        long value = 0;
        for (int i = at + LATENCY_ID.length; a[i] >= '0' && a[i] <= '9'; i++) {
            value = value * 10 + (a[i] - '0');
        }
        return value;
    }

    /** Where the path ends within the request target: at its query, if any. */
    private static int pathEnd(byte[] a, int pathStart, int targetEnd) {
        for (int i = pathStart; i < targetEnd; i++) {
            if (a[i] == '?') {
                return i;
            }
        }
        return targetEnd;
    }

    private static boolean equalsRange(byte[] a, int from, int to, byte[] expected) {
        return to - from == expected.length && startsWith(a, from, to, expected);
    }

    private static boolean startsWith(byte[] a, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (a[from + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean regionMatchesIgnoreCase(byte[] a, int at, byte[] lowerCase) {
        if (at + lowerCase.length > a.length) {
            return false;
        }
        for (int k = 0; k < lowerCase.length; k++) {
            if (Character.toLowerCase(a[at + k]) != lowerCase[k]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] a, int from, int to, byte[] pattern) {
        outer:
        for (int i = from; i <= to - pattern.length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (a[i + k] != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static Map<String, String> query(String pathAndQuery) {
        var result = new HashMap<String, String>();
        int q = pathAndQuery.indexOf('?');
        if (q >= 0) {
            for (String pair : pathAndQuery.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    result.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return result;
    }

    static long wallMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
