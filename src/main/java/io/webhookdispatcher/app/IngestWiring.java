package io.webhookdispatcher.app;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.http.HttpPort;
import io.webhookdispatcher.ingest.IngestHandler;
import io.webhookdispatcher.ingest.Outcome;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest port and its own producer, when {@code ingest.port} is set: built with the rest, started last (once the
 * dispatcher can work), stopped first (no new webhooks while the rest drains).
 */
final class IngestWiring {
    private static final Logger log = LoggerFactory.getLogger(IngestWiring.class);
    /** Bytes of bodies the requests under way may hold together, unless one body alone is larger. */
    private static final long HELD_BYTES = 32L << 20;

    private final DispatcherConfig.Ingest config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final IngestHandler handler;
    private final HttpPort server;

    private IngestWiring(
            DispatcherConfig config, KafkaClients clients, DispatcherMetrics metrics, Clock clock, int port) {
        this.config = config.ingest();
        int maxBytes = config.delivery().maxEventBytes();
        producer = clients.ingestProducer("webhook-dispatcher-ingest", maxBytes);
        var sources =
                this.config.sources().stream().map(IngestHandler.Source::of).toList();
        handler = new IngestHandler(
                sources,
                producer,
                config.topics().events(),
                new IngestHandler.Limits(maxBytes, Math.max(HELD_BYTES, maxBytes)),
                metrics.ingest(sources.stream().map(IngestHandler.Source::id).toList(), Outcome.labels()),
                clock);
        server = new HttpPort("ingest", this.config.address(), port, handler);
    }

    /** Empty unless {@code ingest.port} is set. */
    static Optional<IngestWiring> of(
            DispatcherConfig config, KafkaClients clients, DispatcherMetrics metrics, Clock clock) {
        return config.ingest().port().map(port -> new IngestWiring(config, clients, metrics, clock, port));
    }

    void start() throws StartupException {
        try {
            server.start();
        } catch (Exception e) {
            throw new StartupException("cannot open the ingest port " + config.address() + ":"
                    + config.port().orElse(0) + ": " + e.getMessage());
        }
        log.info("ingest on {}:{} for sources {}", config.address(), server.port(), handler.sourceIds());
    }

    int port() {
        return server.port();
    }

    /** No new requests; those under way get their answer if the broker gives it in time; then the producer closes. */
    void close(Duration timeout) {
        long half = Math.max(1, timeout.toMillis() / 2);
        try {
            server.close(Duration.ofMillis(half));
        } catch (RuntimeException e) {
            log.warn("stopping the ingest port: {}", e.getMessage());
        }
        producer.close(Duration.ofMillis(half));
    }
}
