package io.webhookdispatcher.app;

import io.webhookdispatcher.admin.AdminHandler;
import io.webhookdispatcher.admin.AdminTokens;
import io.webhookdispatcher.admin.AttemptStats;
import io.webhookdispatcher.admin.OpenApi;
import io.webhookdispatcher.admin.SubscriptionsApi;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.dispatch.WebhookSender;
import io.webhookdispatcher.http.HttpPort;
import io.webhookdispatcher.metrics.AdminMeters;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionAdmin;
import io.webhookdispatcher.store.SubscriptionEdits;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API, when {@code admin.port} is set: its port (Jetty, as the ingest port), the tokens, the API on the
 * store's writer and view, and the in-memory attempt statistics its health endpoint reads. The statistics are built
 * first ({@link #stats}), around the delivery log, so that the scheduler is built with them; the port after the
 * store, started last and stopped first.
 */
final class AdminWiring {
    private static final Logger log = LoggerFactory.getLogger(AdminWiring.class);

    private final DispatcherConfig.Admin config;
    private final HttpPort server;

    private AdminWiring(DispatcherConfig.Admin config, HttpPort server) {
        this.config = config;
        this.server = server;
    }

    /** Around the delivery log when the admin API is on: what its health endpoint tells of recent attempts. */
    static Optional<AttemptStats> stats(DispatcherConfig config, AttemptLog next) {
        return config.admin().port().map(port -> new AttemptStats(next));
    }

    /** Empty unless {@code admin.port} is set (the config requires topics.subscriptions then). */
    static Optional<AdminWiring> of(
            DispatcherConfig config,
            Optional<StoreWiring> store,
            Subscriptions subscriptions,
            WebhookSender sender,
            Optional<AutoDisableWiring> autoDisable,
            Optional<AttemptStats> stats,
            DispatcherMetrics metrics,
            Clock clock) {
        if (config.admin().port().isEmpty()) {
            return Optional.empty();
        }
        var backend = new Backend(
                store.orElseThrow(), subscriptions, sender, autoDisable, stats.orElseThrow(), config, clock);
        var meters = new AdminMeters(
                metrics,
                java.util.stream.Stream.concat(OpenApi.operations().stream(), java.util.stream.Stream.of("other"))
                        .toList());
        var handler = new AdminHandler(
                new AdminTokens(config.admin().tokensFile().orElseThrow(), clock),
                new SubscriptionsApi(backend),
                OpenApi.document(Application.VERSION),
                meters);
        var server = new HttpPort(
                "admin", config.admin().address(), config.admin().port().get(), handler);
        return Optional.of(new AdminWiring(config.admin(), server));
    }

    void start() throws StartupException {
        try {
            server.start();
        } catch (Exception e) {
            throw new StartupException("cannot open the admin port " + config.address() + ":"
                    + config.port().orElse(0) + ": " + e.getMessage());
        }
        log.info("admin API on {}:{}", config.address(), server.port());
    }

    int port() {
        return server.port();
    }

    void close(Duration timeout) {
        try {
            server.close(timeout);
        } catch (RuntimeException e) {
            log.warn("stopping the admin port: {}", e.getMessage());
        }
    }

    /** What the API runs on, from the running dispatcher's parts. */
    private record Backend(
            StoreWiring store,
            Subscriptions subscriptions,
            WebhookSender sender,
            Optional<AutoDisableWiring> autoDisable,
            AttemptStats stats,
            DispatcherConfig config,
            Clock clock)
            implements SubscriptionsApi.Backend {
        @Override
        public SubscriptionAdmin writer() {
            return store.writer();
        }

        @Override
        public SubscriptionEdits edits() {
            return store.edits(clock);
        }

        @Override
        public Map<String, StoredSubscription> records() {
            return store.store().records();
        }

        @Override
        public StoredSchema schema() {
            return store.schema();
        }

        @Override
        public Set<String> fileIds() {
            return store.fileIds();
        }

        @Override
        public Optional<Lane> lane(String id) {
            return subscriptions.lane(id);
        }

        @Override
        public CompletableFuture<DeliveryOutcome> send(Subscription subscription, String deliveryId, byte[] body) {
            return sender.endpoint(subscription).send(deliveryId, body);
        }

        @Override
        public void enableEndpoint(String id) {
            autoDisable.ifPresent(a -> a.enable(id));
        }

        @Override
        public void forget(String id) {
            stats.forget(id);
        }

        @Override
        public Optional<AttemptStats.Summary> attempts(String id) {
            return stats.summary(id);
        }

        @Override
        public Duration testTimeout() {
            return config.delivery()
                    .requestTimeout()
                    .plus(config.delivery().connectTimeout())
                    .plusSeconds(5);
        }
    }
}
