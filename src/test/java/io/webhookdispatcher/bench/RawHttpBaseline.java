package io.webhookdispatcher.bench;

import io.webhookdispatcher.testkit.SampleEvents;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the JDK {@link HttpClient} alone achieves on this machine: the dispatcher's lower bound of CPU
 * per request and upper bound of rate. Its own process, with the dispatcher's client settings (HTTP/1.1,
 * {@code sendAsync} on an explicit two-thread executor, the same timeouts) and the same bodies, keeping
 * {@code concurrency} requests in flight until {@code requests} have been answered.
 *
 * <p>With {@code contract-headers} it also sends the delivery contract's five other headers ({@code User-Agent},
 * {@code webhook-id}, the Twenty timestamp, signature and nonce) with values of the dispatcher's lengths, made
 * up front and without any crypto: what the JDK client alone spends on the requests the contract asks for.
 *
 * <p>Usage: {@code RawHttpBaseline URL REQUESTS CONCURRENCY BODY_BYTES [contract-headers]}. Prints {@code READY}, waits for a
 * line on stdin (the driver arms the receiver in between), then sends, prints {@code DONE failures=N} and
 * exits at the next line or end of stdin: 0 if every answer was 2xx.
 */
public final class RawHttpBaseline {
    private static final int DISTINCT_BODIES = 1024;

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        long requests = Long.parseLong(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        int bodyBytes = Integer.parseInt(args[3]);
        boolean contractHeaders = args.length > 4 && args[4].equals("contract-headers");
        // Built up front: the dispatcher, too, gets its bodies ready-made (from Kafka records).
        byte[][] bodies = new byte[DISTINCT_BODIES][];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] =
                    SampleEvents.event(SampleEvents.TYPES.get(i % SampleEvents.TYPES.size()), "raw-" + i, bodyBytes);
        }
        ExecutorService executor = Executors.newFixedThreadPool(
                2,
                r -> { // as JdkWebhookSender's in Application
                    Thread t = new Thread(r, "baseline-http");
                    t.setDaemon(true);
                    return t;
                });
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();

        System.out.println("READY");
        System.out.flush();
        var stdin = new BufferedReader(new InputStreamReader(System.in));
        stdin.readLine();

        var load = new Load(client, url, bodies, contractHeaders ? headers() : null, requests);
        for (int i = 0; i < concurrency; i++) {
            load.sendNext();
        }
        boolean finished = load.done.await(30, TimeUnit.MINUTES);
        System.out.println("DONE failures=" + load.failures.get());
        System.out.flush();
        stdin.readLine(); // stays up until the driver has read its peak RSS (or closed stdin)
        System.exit(finished && load.failures.get() == 0 ? 0 : 1);
    }

    /** Per distinct body: id, signature and nonce, in hex of the dispatcher's lengths (36, 64 and 32 chars). */
    private static String[][] headers() {
        var random = new Random(1);
        String[][] values = new String[DISTINCT_BODIES][];
        for (int i = 0; i < values.length; i++) {
            values[i] = new String[] {
                new UUID(random.nextLong(), random.nextLong()).toString(), hex(random, 32), hex(random, 16)
            };
        }
        return values;
    }

    private static String hex(Random random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A closed loop: each answer starts the next request, so exactly {@code concurrency} are in flight. */
    private static final class Load {
        final HttpClient client;
        final URI url;
        final byte[][] bodies;
        final String[][] headers; // null: Content-Type only
        final long requests;
        final AtomicLong next = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final CountDownLatch done;

        Load(HttpClient client, URI url, byte[][] bodies, String[][] headers, long requests) {
            this.client = client;
            this.url = url;
            this.bodies = bodies;
            this.headers = headers;
            this.requests = requests;
            this.done = new CountDownLatch((int) requests);
        }

        void sendNext() {
            long i = next.getAndIncrement();
            if (i >= requests) {
                return;
            }
            int k = (int) (i % bodies.length);
            HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json");
            if (headers != null) { // the dispatcher's names and order
                builder.header("User-Agent", "webhook-dispatcher/0.1.0")
                        .header("webhook-id", headers[k][0])
                        .header("X-Twenty-Webhook-Timestamp", Long.toString(System.currentTimeMillis()))
                        .header("X-Twenty-Webhook-Signature", headers[k][1])
                        .header("X-Twenty-Webhook-Nonce", headers[k][2]);
            }
            HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(bodies[k]))
                    .build();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error != null || response.statusCode() / 100 != 2) {
                    failures.incrementAndGet();
                }
                done.countDown();
                sendNext();
            });
        }
    }
}
