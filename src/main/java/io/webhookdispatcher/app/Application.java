package io.webhookdispatcher.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.attempts.KafkaAttemptLog;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.consume.ConsumerLoop;
import io.webhookdispatcher.consume.LoopStatus;
import io.webhookdispatcher.consume.MemoryBudget;
import io.webhookdispatcher.consume.RecordHandler;
import io.webhookdispatcher.dispatch.AttemptLog;
import io.webhookdispatcher.dispatch.DeliveryScheduler;
import io.webhookdispatcher.dispatch.EndpointHealth;
import io.webhookdispatcher.dispatch.EventFanOut;
import io.webhookdispatcher.dispatch.Subscriptions;
import io.webhookdispatcher.dispatch.TopicIncarnations;
import io.webhookdispatcher.event.EventMatching;
import io.webhookdispatcher.event.WorkspaceField;
import io.webhookdispatcher.http.JdkWebhookSender;
import io.webhookdispatcher.http.ResponseClassifier;
import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.retry.DeadLetters;
import io.webhookdispatcher.retry.DurableWriter;
import io.webhookdispatcher.retry.OutcomeRouter;
import io.webhookdispatcher.retry.RetryIntake;
import io.webhookdispatcher.retry.RetryPolicy;
import io.webhookdispatcher.retry.RetryWriter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component from the config, starts them, and shuts them down in
 * order: stop polling, drain in-flight deliveries and commit, then close the HTTP client, the producer
 * and the consumers.
 */
public final class Application implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Application.class);
    static final String VERSION = Version.read();
    /** Retry records held in memory per partition until due; beyond it the partition pauses. */
    private static final int RETRY_READ_AHEAD = 1000;
    /**
     * Retry records due within this long are held in memory until due; one due later stays on the broker (its
     * partition is paused until then), so hours-away retries never take the memory the short steps need.
     */
    private static final Duration RETRY_HOLD_HORIZON = Duration.ofSeconds(10);
    /** Shares of delivery.maxBufferedBytes: each loop always leaves the other at least a quarter. */
    private static final double EVENTS_SHARE = 0.75;
    /** The Kafka default, kept when the memory share allows it (small events). */
    private static final int MAX_POLL_RECORDS = 500;

    private static final double RETRY_SHARE = 0.5;
    /** How often deliveries waiting only for a rate-limit token or a Retry-After are re-checked. */
    private static final long TICK_MILLIS = 20;
    /** How often the bounded family of the workspaces that fail most is refreshed. */
    private static final long WORKSPACE_METRICS_SECONDS = 5;
    /** Delivery-log records held while the attempts topic is slow or unavailable; beyond, dropped and counted. */
    private static final int ATTEMPT_LOG_CAPACITY = 10_000;

    private final DispatcherConfig config;
    private final Clock clock;
    private final Telemetry telemetry;
    private final KafkaClients clients;
    /** Looks topics up at start-up and the events topic's id on every assignment (see TopicIdRefresh). */
    private final Admin admin;

    private final TopicIncarnations topicIds;
    private final JdkWebhookSender sender;
    private final KafkaProducer<byte[], byte[]> producer;
    private final DurableWriter writer;
    private final RetryPolicy retryPolicy;
    private final Optional<KafkaAttemptLog> attemptLog;
    private final Subscriptions subscriptions;
    private final Optional<AutoDisableWiring> autoDisable;
    private final Optional<StoreWiring> store;
    private final Optional<IngestWiring> ingest;
    private final Optional<AdminWiring> adminApi;
    private final DeliveryScheduler scheduler;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Threads.daemon("dispatch-timer"));
    private final List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    private final List<ConsumerLoop> loops = new ArrayList<>();
    private final List<LoopStatus> statuses = new ArrayList<>();
    private final ScheduledExecutorService reloader =
            Executors.newSingleThreadScheduledExecutor(Threads.daemon("config-reload"));
    private final ConfigWatcher watcher; // null without a file to watch
    private volatile boolean accepting;
    private volatile boolean loopsStarted;
    private ManagementServer management;
    private boolean closed;

    /** Where the config came from, for hot reload of the subscriptions. */
    public record ConfigSource(java.nio.file.Path file, io.webhookdispatcher.config.ConfigLoader loader) {}

    public Application(DispatcherConfig config, Clock clock) {
        this(config, clock, null);
    }

    /**
     * Builds every part in dependency order: telemetry, Kafka clients and the HTTP sender; the failure path (retry
     * topics, dead letters, the delivery log); the subscriptions and auto-disable; the scheduler; then the two
     * consumer loops that feed it, and the config watcher.
     *
     * @param source the file to hot-reload subscriptions from, or null for none
     */
    public Application(DispatcherConfig config, Clock clock, ConfigSource source) {
        this.config = config;
        this.clock = clock;
        telemetry = new Telemetry(config);
        DispatcherMetrics metrics = telemetry.metrics;
        clients = new KafkaClients(config.kafka());
        admin = Admin.create(clients.common("webhook-dispatcher-admin"));
        topicIds = new TopicIncarnations(topic -> TopicIdRefresh.lookup(admin, topic));
        var delivery = config.delivery();
        sender = new JdkWebhookSender(
                delivery.connectTimeout(),
                delivery.requestTimeout(),
                clock,
                "webhook-dispatcher/" + VERSION,
                new ResponseClassifier(config.retry().permanentStatuses()),
                delivery.destinations());
        producer = clients.producer("webhook-dispatcher-producer", delivery.maxEventBytes());
        writer = new DurableWriter(producer, metrics);
        ingest = IngestWiring.of(config, clients, metrics, clock);
        var deadLetters = new DeadLetters(writer, config.topics().deadLetter(), clock);
        retryPolicy = new RetryPolicy(
                config.retry(),
                config.topics().retry(),
                () -> ThreadLocalRandom.current().nextDouble());
        metrics.topicsAtZero(
                config.topics().events(), retryPolicy.topics(), config.topics().deadLetter());
        attemptLog = config.topics()
                .attempts()
                .map(topic -> new KafkaAttemptLog(
                        clients.attemptsProducer("webhook-dispatcher-attempts"), topic, ATTEMPT_LOG_CAPACITY, metrics));
        AttemptLog logged = attemptLog.<AttemptLog>map(l -> l).orElse(AttemptLog.NONE);
        var stats = AdminWiring.stats(config, logged);
        AttemptLog attempts = stats.<AttemptLog>map(s -> s).orElse(logged);
        var router = new OutcomeRouter(retryPolicy, new RetryWriter(writer), deadLetters, metrics, attempts, clock);

        var routing = new EventMatching(config.routing().exactOnly());
        subscriptions = new Subscriptions(config.subscriptions(), sender, clock, telemetry.laneMeters(clock), routing);
        metrics.subscriptionsGauge(subscriptions::enabledCount);
        metrics.namedEventTypes(subscriptions.namedEventTypes());
        autoDisable = AutoDisableWiring.of(config, clients, subscriptions, clock);
        store = StoreWiring.of(config, clients, subscriptions, metrics, clock, this::subscriptionsReloaded);
        adminApi = AdminWiring.of(config, store, subscriptions, sender, autoDisable, stats, metrics, clock);
        scheduler = new DeliveryScheduler(
                subscriptions,
                router,
                attempts,
                autoDisable.map(AutoDisableWiring::health).orElse(EndpointHealth.NONE),
                metrics,
                clock,
                new DeliveryScheduler.Bounds(
                        delivery.maxInFlight(),
                        delivery.maxQueuedPerSubscription(),
                        delivery.maxQueuedBytesPerSubscription(),
                        delivery.maxQueueDelay(),
                        config.retry().maxRetryAfter(),
                        config.tenancy().maxInFlightPerWorkspace()));

        var budget = new MemoryBudget(delivery.maxBufferedBytes());
        var fanOut = new EventFanOut(
                subscriptions,
                topicIds,
                scheduler,
                deadLetters::invalidInput,
                metrics,
                delivery.maxEventBytes(),
                WorkspaceField.of(config.tenancy().workspaceField()));
        String events = config.topics().events();
        var startFrom = config.kafka().startFrom();
        addLoop(
                "events-consumer",
                config.kafka().groupId(),
                startFrom,
                startFrom.resetPolicy() + " offset (kafka.startFrom: " + startFrom.resetPolicy() + ")",
                (c, listener) -> c.subscribe(List.of(events), new TopicIdRefresh(c, topicIds, listener)),
                fanOut,
                new ConsumerLoop.FlowControl(0),
                budget.account(EVENTS_SHARE),
                clock);
        var retryIntake = new RetryIntake(subscriptions, scheduler, router, deadLetters, timer, metrics, clock);
        // Always from the earliest offset: a retry written before this group's first join must not be skipped.
        addLoop(
                "retry-consumer",
                config.kafka().groupId() + "-retry",
                DispatcherConfig.Kafka.StartFrom.EARLIEST,
                "earliest offset (retry topics always start there)",
                (c, listener) -> c.subscribe(retryPolicy.topicPattern(), listener),
                retryIntake,
                new ConsumerLoop.FlowControl(RETRY_READ_AHEAD, RETRY_HOLD_HORIZON),
                budget.account(RETRY_SHARE),
                clock);
        var applyFile = store.map(StoreWiring::fileSubscriptions).orElse(subscriptions::replace);
        watcher = source == null
                ? null
                : new ConfigWatcher(
                        source.file(), source.loader(), config, applyFile, metrics, this::subscriptionsReloaded);
        telemetry.bind(consumers, producer);
    }

    /** After a hot reload: the event types now named, and endpoints whose config changed enabled again. */
    private void subscriptionsReloaded() {
        telemetry.metrics.namedEventTypes(subscriptions.namedEventTypes());
        autoDisable.ifPresent(AutoDisableWiring::subscriptionsReloaded);
    }

    /** @param policy where partitions without a committed offset start, and why (logged when it applies) */
    private void addLoop(
            String name,
            String groupId,
            DispatcherConfig.Kafka.StartFrom startFrom,
            String policy,
            BiConsumer<KafkaConsumer<byte[], byte[]>, ConsumerRebalanceListener> subscribe,
            RecordHandler handler,
            ConsumerLoop.FlowControl flow,
            MemoryBudget.Account memory,
            Clock clock) {
        // one poll's records, all of the largest allowed size, fit in the loop's memory share
        int maxPollRecords = (int) Math.max(
                1,
                Math.min(MAX_POLL_RECORDS, memory.limit() / (config.delivery().maxEventBytes() + 1024L)));
        var consumer = clients.consumer(groupId, "webhook-dispatcher-" + name, startFrom, maxPollRecords);
        var status = new LoopStatus(name);
        var loop = new ConsumerLoop(
                consumer,
                listener ->
                        subscribe.accept(consumer, new StartingPositions(consumer, name, groupId, policy, listener)),
                handler,
                flow,
                memory,
                ShutdownBudget.drainTimeout(config.shutdown().timeout()),
                status,
                clock);
        consumers.add(consumer);
        statuses.add(status);
        loops.add(loop);
        telemetry.metrics.loopGauges(name, memory::used, memory.limit(), () -> loop.paused() ? 1 : 0);
    }

    /** Checks topics, opens the management port and starts consuming. */
    public void start() throws StartupException, IOException {
        log.info("starting webhook-dispatcher {} with {}", VERSION, config); // records mask secrets
        var t = config.topics();
        TopicCheck.prepare(admin, config, retryPolicy.topics());
        if (store.isPresent()) { // before auto-disable: its states apply to the topic's subscriptions too
            store.get().open(admin, t);
        }
        if (autoDisable.isPresent()) {
            autoDisable.get().open(admin, t);
        }
        learnTopicId(t.events());
        attemptLog.ifPresent(KafkaAttemptLog::start);
        producer.partitionsFor(config.topics().deadLetter()); // fails fast if the producer cannot work
        management = new ManagementServer(
                config.management().address(),
                config.management().port(),
                telemetry.registry,
                statuses,
                config.management().livenessTimeout(),
                () -> accepting);
        for (int i = 0; i < loops.size(); i++) {
            var thread = new Thread(loops.get(i), statuses.get(i).name());
            thread.setDaemon(true);
            thread.start();
        }
        loopsStarted = true;
        timer.scheduleWithFixedDelay(
                Threads.guarded("scheduler tick", scheduler::tick), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(
                Threads.guarded(
                        "workspace metrics", () -> telemetry.refreshWorkspaces(subscriptions.all(), clock.millis())),
                0,
                WORKSPACE_METRICS_SECONDS,
                TimeUnit.SECONDS);
        if (watcher != null) {
            long every = config.reload().interval().toMillis();
            reloader.scheduleWithFixedDelay(
                    Threads.guarded("config reload", watcher), every, every, TimeUnit.MILLISECONDS);
        }
        if (ingest.isPresent()) {
            ingest.get().start(); // last: webhooks come in only once the dispatcher can work
        }
        if (adminApi.isPresent()) {
            adminApi.get().start();
        }
        accepting = true;
        log.info(
                "dispatching {} to {} enabled subscriptions; management on {}:{}",
                config.topics().events(),
                subscriptions.enabledCount(),
                management.address(),
                management.port());
    }

    private void learnTopicId(String events) throws StartupException {
        topicIds.refresh(List.of(events));
        if (!topicIds.knows(events)) {
            throw new StartupException("could not look up the topic id of " + events + " (see the log above)");
        }
    }

    public int managementPort() {
        return management.port();
    }

    /** The ingest port, once started; {@code ingest.port} must be set. */
    public int ingestPort() {
        return ingest.orElseThrow().port();
    }

    /** The admin API's port, once started; {@code admin.port} must be set. */
    public int adminPort() {
        return adminApi.orElseThrow().port();
    }

    public PrometheusMeterRegistry registry() {
        return telemetry.registry;
    }

    /**
     * Graceful stop within {@code shutdown.timeout}, all of it: the loops stop polling and drain in parallel
     * (each for at most {@link ShutdownBudget#drainTimeout}), are waited for with one shared deadline, and what is
     * left of it closes the HTTP sender, the producer and the consumers. Unfinished work stays uncommitted and is
     * redone by the partitions' next owner.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        accepting = false;
        var budget = ShutdownBudget.start(config.shutdown().timeout());
        log.info(
                "shutting down within {}: draining in-flight deliveries for up to {}",
                config.shutdown().timeout(),
                ShutdownBudget.drainTimeout(config.shutdown().timeout()));
        reloader.shutdownNow();
        adminApi.ifPresent(a -> a.close(budget.share(8)));
        ingest.ifPresent(i -> i.close(budget.share(4))); // first: no new webhooks; those under way get their answer
        store.ifPresent(StoreWiring::close);
        loops.forEach(ConsumerLoop::stop); // each drains on its own thread, all at once
        var finished = new boolean[loops.size()];
        try {
            for (int i = 0; i < loops.size(); i++) {
                finished[i] = !loopsStarted || loops.get(i).awaitFinished(budget.remaining());
                if (!finished[i]) {
                    log.warn(
                            "{} did not finish its drain and final commit in time; its consumer is left as it is",
                            statuses.get(i).name());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        autoDisable.ifPresent(a -> a.close(budget.share(4)));
        sender.close();
        writer.close();
        attemptLog.ifPresent(l -> l.close(budget.share(3))); // informational: what is not written by then is dropped
        // Offsets are committed by now: a write still pending in the producer no longer counts, don't wait long.
        producer.close(budget.share(2));
        admin.close(Duration.ZERO); // only lookups, nothing to finish
        telemetry.close();
        for (int i = 0; i < consumers.size(); i++) {
            if (finished[i]) { // a loop still running owns its consumer, which is not thread-safe
                consumers.get(i).close(budget.share(consumers.size() - i)); // leaves the group
            }
        }
        if (management != null) {
            management.close();
        }
        log.info("stopped after {} ms", budget.elapsed().toMillis());
    }
}
