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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The benchmark's webhook endpoint, its own process (so that its CPU is never charged to the process
 * measured) and as cheap as HTTP/1.1 gets: one thread, one selector, keep-alive, every request answered
 * {@code 200} with an empty body. It prints {@code PORT n} on stdout once it listens on loopback.
 *
 * <p>Control requests (GET, not counted):
 * <ul>
 *   <li>{@code /_arm?expect=N&watch=PID,PID&latency=true} resets the counters. At the first counted request
 *       and at the N-th it notes the time and reads utime+stime of the watched processes, of itself and of
 *       the whole machine, so a process's CPU is measured exactly from first to last delivery.</li>
 *   <li>{@code /_stats[?since=MICROS]} answers {@code key=value} lines; with {@code since}, also latency
 *       percentiles of the events produced at or after it (epoch microseconds).</li>
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

    private final long selfPid = ProcessHandle.current().pid();
    private long count;
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
            selector.select();
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

    /** One keep-alive connection: bytes read but not yet parsed, and answers not yet written. */
    private static final class Connection {
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        ByteBuffer out = ByteBuffer.allocate(4 * 1024);
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
            handle(c, a, start, bodyStart, length);
            start = bodyStart + length;
        }
        System.arraycopy(a, start, a, 0, end - start);
        c.in.position(end - start);
        if (!c.in.hasRemaining()) { // a request larger than the buffer
            c.in = ByteBuffer.allocate(a.length * 2).put(ByteBuffer.wrap(a, 0, end - start));
        }
        flush(key);
    }

    private void handle(Connection c, byte[] a, int start, int bodyStart, int length) {
        int pathStart = indexOf(a, start, bodyStart, SPACE) + 1;
        if (a[pathStart + 1] == '_') { // "/_arm", "/_stats"
            int pathEnd = indexOf(a, pathStart, bodyStart, SPACE);
            byte[] body = control(new String(a, pathStart, pathEnd - pathStart, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.UTF_8);
            queue(c, ascii("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + body.length + "\r\n\r\n"));
            queue(c, body);
            return;
        }
        if (firstTicks == null) { // the first request, failed or not: the span starts here
            firstNanos = System.nanoTime();
            firstWallMicros = wallMicros();
            firstTicks = ticks();
        }
        if (failOnce && seen.add(header(a, start, bodyStart, WEBHOOK_ID))) {
            queue(c, UNAVAILABLE); // the failure path: each delivery's first attempt fails, not counted
            return;
        }
        count++;
        if (count == expect) {
            lastNanos = System.nanoTime();
            lastTicks = ticks();
        }
        if (latency) {
            long produced = producedMicros(a, bodyStart, length);
            if (produced > 0) {
                record(produced, wallMicros() - produced);
            }
        }
        queue(c, OK);
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
            connections = 0;
            samples = 0;
            firstTicks = null;
            lastTicks = null;
            expect = Long.parseLong(q.getOrDefault("expect", "0"));
            watch = q.getOrDefault("watch", "").isEmpty() ? new long[0]
                    : Arrays.stream(q.get("watch").split(",")).mapToLong(Long::parseLong).toArray();
            latency = Boolean.parseBoolean(q.get("latency"));
            failOnce = Boolean.parseBoolean(q.get("failOnce"));
            seen.clear();
            return "armed\n";
        }
        if (pathAndQuery.startsWith("/_dump")) {
            return dump(Path.of(java.net.URLDecoder.decode(q.get("file"), StandardCharsets.UTF_8)));
        }
        var s = new StringBuilder();
        s.append("count=").append(count).append('\n').append("connections=").append(connections).append('\n');
        s.append("firstWallMicros=").append(firstWallMicros).append('\n');
        if (lastTicks != null) {
            s.append("spanNanos=").append(lastNanos - firstNanos).append('\n');
            for (int i = 0; i < lastTicks.length; i++) {
                String who = i < watch.length ? String.valueOf(watch[i]) : i == watch.length ? "self" : "machine";
                s.append("cpuTicks.").append(who).append('=').append(lastTicks[i] - firstTicks[i]).append('\n');
            }
        }
        if (q.containsKey("since")) { // sorts every sample: only when asked, not on every progress poll
            appendLatency(s, Long.parseLong(q.get("since")));
        }
        return s.toString();
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
            s.append("latency.p50Micros=").append(chosen[(int) Math.ceil(0.50 * n) - 1]).append('\n');
            s.append("latency.p99Micros=").append(chosen[(int) Math.ceil(0.99 * n) - 1]).append('\n');
            s.append("latency.p999Micros=").append(chosen[(int) Math.ceil(0.999 * n) - 1]).append('\n');
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
