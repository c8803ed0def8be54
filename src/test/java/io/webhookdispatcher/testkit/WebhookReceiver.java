package io.webhookdispatcher.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP webhook receiver on a free port, for tests and the demo. Each path is an endpoint with a
 * secret and a scripted behaviour; every request is recorded with whether its signature verified the
 * way the CRM's documentation tells receivers to (HMAC-SHA256 of {@code timestamp:body}).
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One received request. */
    public record Received(
            String path,
            String deliveryId,
            String timestamp,
            String signature,
            String nonce,
            String userAgent,
            String contentType,
            byte[] body,
            boolean signatureValid,
            int answeredStatus,
            Instant at,
            String host) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        var t = new Thread(r, "webhook-receiver");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final Map<String, int[]> script = new ConcurrentHashMap<>(); // path -> statuses to answer in turn
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, int[]> perDelivery = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> deliveryCalls = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> extraHeaders = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch hung = new CountDownLatch(1);
    private final Map<String, Boolean> hanging = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    private volatile int keptBodyBytes = Integer.MAX_VALUE;

    public WebhookReceiver() {
        this(0);
    }

    /** On a given port (0: any free one), e.g. to bring back an endpoint that refused connections. */
    public WebhookReceiver(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 512);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String url(String path) {
        return baseUrl() + path;
    }

    /** An endpoint answering 200 to everything, checking signatures with this secret. */
    public WebhookReceiver endpoint(String path, String secret) {
        secrets.put(path, secret);
        return this;
    }

    /** Answers these statuses to the first requests, then the last one forever. */
    public WebhookReceiver answer(String path, int... statuses) {
        script.put(path, statuses.clone());
        return this;
    }

    /** Answers these statuses to each delivery's (webhook-id's) first attempts, then the last one forever. */
    public WebhookReceiver answerPerDelivery(String path, int... statuses) {
        perDelivery.put(path, statuses.clone());
        return this;
    }

    /** Adds a response header (e.g. Retry-After) to this endpoint's answers. */
    public WebhookReceiver header(String path, String name, String value) {
        extraHeaders.computeIfAbsent(path, p -> new ConcurrentHashMap<>()).put(name, value);
        return this;
    }

    /** Answers requests to this path only after a delay, so deliveries stay in flight for a while. */
    public WebhookReceiver slow(String path, long millis) {
        delays.put(path, millis);
        return this;
    }

    /** Never answers requests to this path (until the receiver closes). */
    public WebhookReceiver hang(String path) {
        hanging.put(path, true);
        return this;
    }

    /** The endpoint recovers: new requests are answered at once (requests already hung stay hung). */
    public WebhookReceiver recover(String path) {
        hanging.remove(path);
        delays.remove(path);
        script.remove(path);
        perDelivery.remove(path);
        return this;
    }

    /**
     * Keeps only the first {@code bytes} of each body (signatures are still checked on the whole body), so that a
     * test sending hundreds of megabytes does not hold them all.
     */
    public WebhookReceiver keepBodyPrefix(int bytes) {
        keptBodyBytes = bytes;
        return this;
    }

    /** From the first to the last of these requests' arrivals. */
    public static java.time.Duration span(List<Received> requests) {
        Instant first = requests.stream()
                .map(Received::at)
                .min(java.util.Comparator.naturalOrder())
                .orElseThrow();
        Instant last = requests.stream()
                .map(Received::at)
                .max(java.util.Comparator.naturalOrder())
                .orElseThrow();
        return java.time.Duration.between(first, last);
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    public List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body = ex.getRequestBody().readAllBytes();
        if (hanging.containsKey(path)) {
            try {
                hung.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        Long delay = delays.get(path);
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        var h = ex.getRequestHeaders();
        int status;
        if (perDelivery.containsKey(path)) {
            int[] statuses = perDelivery.get(path);
            int call = deliveryCalls
                    .computeIfAbsent(path + " " + h.getFirst("webhook-id"), k -> new AtomicInteger())
                    .getAndIncrement();
            status = statuses[Math.min(call, statuses.length - 1)];
        } else {
            int call = calls.computeIfAbsent(path, p -> new AtomicInteger()).getAndIncrement();
            int[] statuses = script.getOrDefault(path, new int[] {200});
            status = statuses[Math.min(call, statuses.length - 1)];
        }
        String timestamp = h.getFirst("X-Twenty-Webhook-Timestamp");
        String signature = h.getFirst("X-Twenty-Webhook-Signature");
        boolean valid = verifies(secrets.get(path), timestamp, signature, body);
        byte[] kept = body.length > keptBodyBytes ? java.util.Arrays.copyOf(body, keptBodyBytes) : body;
        received.add(new Received(
                path,
                h.getFirst("webhook-id"),
                timestamp,
                signature,
                h.getFirst("X-Twenty-Webhook-Nonce"),
                h.getFirst("User-Agent"),
                h.getFirst("Content-Type"),
                kept,
                valid,
                status,
                Instant.now(),
                h.getFirst("Host")));
        extraHeaders
                .getOrDefault(path, Map.of())
                .forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        byte[] answer = ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, answer.length);
        ex.getResponseBody().write(answer);
        ex.close();
    }

    /** The receiver side of the contract, written independently of the dispatcher's signer. */
    public static boolean verifies(String secret, String timestamp, String signature, byte[] body) {
        if (secret == null || timestamp == null || signature == null) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ":").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(body);
            return MessageDigest.isEqual(
                    HexFormat.of().formatHex(expected).getBytes(StandardCharsets.US_ASCII),
                    signature.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        hung.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
