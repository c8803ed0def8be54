package io.webhookdispatcher.app;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.consume.ConsumerLoop;
import io.webhookdispatcher.consume.LoopStatus;
import io.webhookdispatcher.dispatch.DeliveryScheduler;
import io.webhookdispatcher.dispatch.EventFanOut;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscriptions;
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
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
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
    static final String VERSION = readVersion();
    /** Retry records held in memory per partition until due; beyond it the partition pauses. */
    private static final int RETRY_READ_AHEAD = 1000;

    private final DispatcherConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final KafkaClients clients;
    private final JdkWebhookSender sender;
    private final KafkaProducer<byte[], byte[]> producer;
    private final DurableWriter writer;
    private final Subscriptions subscriptions;
    private final RetryPolicy retryPolicy;
    private final ScheduledExecutorService retryTimer;
    private final List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    private final List<ConsumerLoop> loops = new ArrayList<>();
    private final List<LoopStatus> statuses = new ArrayList<>();
    private final List<AutoCloseable> meterBinders = new ArrayList<>();
    private volatile boolean accepting;
    private volatile boolean loopsStarted;
    private ManagementServer management;
    private boolean closed;

    /** Where the config came from, for hot reload of the subscriptions. */
    public record ConfigSource(java.nio.file.Path file, io.webhookdispatcher.config.ConfigLoader loader) {
    }

    private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(daemon("config-reload"));
    private final ConfigWatcher watcher;

    public Application(DispatcherConfig config, Clock clock) {
        this(config, clock, null);
    }

    /** @param source the file to hot-reload subscriptions from, or null for none */
    public Application(DispatcherConfig config, Clock clock, ConfigSource source) {
        this.config = config;
        var metrics = new DispatcherMetrics(registry, config.metrics().eventTypeLabel());
        metrics.registerAtZero(java.util.Arrays.stream(io.webhookdispatcher.event.CrmEvent.Invalid.values())
                .map(i -> i.reason).toList());
        clients = new KafkaClients(config.kafka());
        var delivery = config.delivery();
        sender = new JdkWebhookSender(Executors.newFixedThreadPool(2, daemon("webhook-http")),
                delivery.connectTimeout(), delivery.requestTimeout(), clock, "webhook-dispatcher/" + VERSION,
                new ResponseClassifier(config.retry().permanentStatuses()));
        producer = clients.producer("webhook-dispatcher-producer", delivery.maxEventBytes());
        writer = new DurableWriter(producer, Executors.newSingleThreadScheduledExecutor(daemon("kafka-writer")), metrics);
        var deadLetters = new DeadLetters(writer, config.topics().deadLetter(), clock);
        subscriptions = new Subscriptions(config.subscriptions(),
                lane -> metrics.subscriptionAdded(lane.id(), lane, Lane::inFlight));
        metrics.subscriptionsGauge(subscriptions::enabledCount);
        retryPolicy = new RetryPolicy(config.retry(), config.topics().retry(), () -> ThreadLocalRandom.current().nextDouble());
        var router = new OutcomeRouter(retryPolicy, new RetryWriter(writer, clock), deadLetters, metrics, clock);
        var scheduler = new DeliveryScheduler(sender, router, clock, delivery.maxInFlight(),
                delivery.maxInFlightPerSubscription());

        var fanOut = new EventFanOut(subscriptions, scheduler, deadLetters::invalidInput, metrics,
                delivery.maxEventBytes());
        int pauseAt = Math.max(2 * delivery.maxInFlightPerSubscription(), delivery.maxInFlight());
        addLoop("events-consumer", config.kafka().groupId(), List.of(config.topics().events()), fanOut,
                new ConsumerLoop.FlowControl(pauseAt, Math.max(1, pauseAt / 2)));

        retryTimer = Executors.newSingleThreadScheduledExecutor(daemon("retry-timer"));
        var retryIntake = new RetryIntake(subscriptions, scheduler, deadLetters, retryTimer, metrics, clock);
        retryTimer.scheduleWithFixedDelay(retryIntake::forgetRevoked, 1, 1, TimeUnit.SECONDS);
        addLoop("retry-consumer", config.kafka().groupId() + "-retry", List.copyOf(retryPolicy.topics()),
                retryIntake, new ConsumerLoop.FlowControl(RETRY_READ_AHEAD, RETRY_READ_AHEAD / 2));
        watcher = source == null ? null
                : new ConfigWatcher(source.file(), source.loader(), config, subscriptions, metrics);
        bindJvmAndKafkaMetrics();
    }

    private void addLoop(String name, String groupId, List<String> topics, io.webhookdispatcher.consume.RecordHandler handler,
                         ConsumerLoop.FlowControl flow) {
        var consumer = clients.consumer(groupId, "webhook-dispatcher-" + name);
        var status = new LoopStatus(name);
        consumers.add(consumer);
        statuses.add(status);
        loops.add(new ConsumerLoop(consumer, topics, handler, flow, config.shutdown().timeout(), status));
    }

    /** Checks topics, opens the management port and starts consuming. */
    public void start() throws StartupException, IOException {
        log.info("starting webhook-dispatcher {} with {}", VERSION, config); // records mask secrets
        try (Admin admin = Admin.create(clients.common("webhook-dispatcher-admin"))) {
            var t = config.topics();
            var all = new ArrayList<>(List.of(t.events(), t.deadLetter()));
            all.addAll(retryPolicy.topics());
            // created topics accept the largest event plus its retry/dead-letter headers
            TopicCheck.ensure(admin, all, t.create(), t.partitions(), t.replicationFactor(), Map.of("max.message.bytes",
                    String.valueOf(config.delivery().maxEventBytes() + KafkaClients.HEADER_HEADROOM)));
        }
        producer.partitionsFor(config.topics().deadLetter()); // fails fast if the producer cannot work
        management = new ManagementServer(config.management().port(), registry, statuses,
                config.management().livenessTimeout(), () -> accepting);
        for (int i = 0; i < loops.size(); i++) {
            var thread = new Thread(loops.get(i), statuses.get(i).name());
            thread.setDaemon(true);
            thread.start();
        }
        loopsStarted = true;
        if (watcher != null) {
            long every = config.reload().interval().toMillis();
            reloader.scheduleWithFixedDelay(watcher, every, every, TimeUnit.MILLISECONDS);
        }
        accepting = true;
        log.info("dispatching {} to {} enabled subscriptions; management on port {}", config.topics().events(),
                subscriptions.enabledCount(), management.port());
    }

    public int managementPort() {
        return management.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Graceful stop within {@code shutdown.timeout}: unfinished work stays uncommitted and is redone later. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        accepting = false;
        log.info("shutting down: draining in-flight deliveries for up to {}", config.shutdown().timeout());
        reloader.shutdownNow();
        loops.forEach(ConsumerLoop::stop);
        try {
            for (ConsumerLoop loop : loopsStarted ? loops : List.<ConsumerLoop>of()) {
                if (!loop.awaitFinished(config.shutdown().timeout().plusSeconds(10))) {
                    log.warn("a consumer loop did not finish its drain in time");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retryTimer.shutdownNow();
        sender.close();
        writer.close();
        producer.close(Duration.ofSeconds(5));
        meterBinders.forEach(Application::closeQuietly);
        consumers.forEach(c -> c.close(Duration.ofSeconds(5)));
        if (management != null) {
            management.close();
        }
        log.info("stopped");
    }

    private void bindJvmAndKafkaMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        var gc = new JvmGcMetrics();
        gc.bindTo(registry);
        meterBinders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.FileDescriptorMetrics().bindTo(registry);
        for (var consumer : consumers) {
            var consumerMetrics = new KafkaClientMetrics(consumer);
            consumerMetrics.bindTo(registry);
            meterBinders.add(consumerMetrics);
        }
        var producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
        meterBinders.add(producerMetrics);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("ignored while closing", e);
        }
    }

    static ThreadFactory daemon(String name) {
        var n = new AtomicInteger();
        return r -> {
            var t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static String readVersion() {
        try (InputStream in = Application.class.getResourceAsStream("/webhook-dispatcher.properties")) {
            var p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
