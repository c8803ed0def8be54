package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.Tls;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The sender's JDK clients: <b>one per destination host name</b> (case-insensitive) <b>and TLS settings</b>, each
 * with its own small executor, and their shutdown. Asked once per subscription version, never per send.
 *
 * <p>Why per host: the JDK client resolves host names on its executor threads, so with one shared client a single
 * host whose DNS hangs holds up every other host's requests: measured on JDK 25, a healthy endpoint's p99 went
 * from 203 ms to 3.1 s while a resolver hung 3 s for one other host. Subscriptions on the same host with the same
 * TLS settings share a client, and so its connection pool; two with different client certificates never share a
 * connection (a pooled connection keeps the identity it was handshaken with). A renewed certificate (the same
 * files, new content) gets a new client, and the old one is dropped once the endpoints using it are gone.
 *
 * <p>Each executor is small on purpose: the client's default is an unbounded cached pool, which on two cores
 * roughly doubles the CPU per request. Its threads time out when idle, so an idle host costs no executor
 * thread (each client still has the JDK's own selector thread). On JDK 17 the common pool's parallelism
 * must also be at least 2, see {@code Main}.
 */
final class HostClients {
    /** Per host; enough for a busy host's signing and I/O, and a hung resolver blocks only its own host. */
    private static final int THREADS_PER_HOST = 2;

    private static final Duration IDLE_THREAD_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    /** One host's client and the executor it runs (and resolves names) on. */
    record HostClient(HttpClient client, ExecutorService executor) {}

    /** What a client is shared by: one host, one set of TLS settings (equal when the same files hold the same bytes). */
    private record ClientKey(String host, Tls tls) {}

    private final Function<String, ExecutorService> executorForHost;
    private final Duration connectTimeout;
    /** Guarded by {@code this}. */
    private final Map<ClientKey, HostClient> clients = new HashMap<>();

    private boolean closed; // guarded by this

    /** @param executorForHost the executor for a (lower-case) host name's client; called once per host */
    HostClients(Function<String, ExecutorService> executorForHost, Duration connectTimeout) {
        this.executorForHost = Objects.requireNonNull(executorForHost, "executorForHost");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    /**
     * Forgets the clients of hosts and TLS settings none of {@code current} uses: each goes (its selector thread with
     * it) once the last endpoint that holds it is gone. Without it every URL ever configured kept a client.
     */
    synchronized void retain(java.util.Collection<io.webhookdispatcher.dispatch.Subscription> current) {
        var used = new java.util.HashSet<ClientKey>();
        current.forEach(s -> used.add(key(s.url(), s.tls())));
        clients.keySet().retainAll(used);
    }

    /** The clients kept for new endpoints. */
    synchronized int size() {
        return clients.size();
    }

    private static ClientKey key(URI url, Tls tls) {
        return new ClientKey(url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT), tls);
    }

    synchronized HostClient clientFor(URI url, Tls tls) {
        if (closed) {
            throw new IllegalStateException("sender is closed");
        }
        // a URL without a host gets a client too; its requests then fail, classified, in send
        var key = key(url, tls);
        String host = key.host();
        HostClient client = clients.get(key);
        if (client == null) {
            // the same host and files with other content: a renewal, the old client goes with its last endpoint
            clients.keySet()
                    .removeIf(k -> k.host().equals(host) && k.tls().files().equals(tls.files()));
            client = newClient(key);
            clients.put(key, client);
        }
        return client;
    }

    private HostClient newClient(ClientKey key) {
        ExecutorService executor = Objects.requireNonNull(executorForHost.apply(key.host()), "executor");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance on plain http
                .followRedirects(HttpClient.Redirect.NEVER)
                // never a proxy (not even -Dhttp.proxyHost or useSystemProxies): the guard checks the address the
                // client connects to, and a proxy would resolve and connect on its own
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(connectTimeout)
                .sslParameters(SslContexts.parameters())
                .executor(executor);
        if (!key.tls().isDefault()) {
            try {
                builder.sslContext(SslContexts.context(key.tls()));
            } catch (GeneralSecurityException e) {
                executor.shutdown();
                // the loader checked the files; what is left is the JVM lacking TLS itself
                throw new IllegalStateException("cannot set up TLS for " + key.host(), e);
            }
        }
        return new HostClient(builder.build(), executor);
    }

    /** At most two daemon threads, which time out when the host is idle. */
    static ExecutorService hostExecutor(String host) {
        var pool = new ThreadPoolExecutor(
                THREADS_PER_HOST,
                THREADS_PER_HOST,
                IDLE_THREAD_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                daemon("webhook-http-" + (host.isEmpty() ? "nohost" : host)));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadFactory daemon(String prefix) {
        var n = new AtomicInteger();
        return r -> {
            var t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Refuses new clients and stops every executor; in-flight requests fail or finish within the grace. */
    void close() {
        List<ExecutorService> executors;
        synchronized (this) {
            closed = true;
            executors = new ArrayList<>();
            clients.values().forEach(c -> executors.add(c.executor()));
            clients.clear();
        }
        // HttpClient.close() is JDK 21+; shutting its executor down is what stops a JDK 17 client
        executors.forEach(ExecutorService::shutdown);
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        try {
            for (ExecutorService executor : executors) {
                executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executors.forEach(ExecutorService::shutdownNow);
    }
}
