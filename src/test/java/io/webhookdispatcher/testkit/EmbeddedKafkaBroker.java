package io.webhookdispatcher.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

/**
 * Kafka's own KRaft server, in this JVM, as one node that is both broker and controller.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
 *     kafka.createTopic("events", 3);
 *     // clients use kafka.bootstrapServers()
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {

    private static final String HOST = "127.0.0.1";

    private final Properties config; // kept for a restart on the same ports and data
    private final Path logDir;
    private final String bootstrapServers;
    private KafkaRaftServer server; // guarded by this; null while stopped

    private EmbeddedKafkaBroker(Properties config, Path logDir, String bootstrapServers) {
        this.config = config;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker with automatic topic creation disabled. */
    public static EmbeddedKafkaBroker start() {
        return start(Map.of());
    }

    /**
     * Starts a broker, applying {@code overrides} on top of the single-node defaults
     * (e.g. {@code auto.create.topics.enable=true}); returns once it answers an Admin request.
     */
    public static EmbeddedKafkaBroker start(Map<String, String> overrides) {
        Path logDir = createTempDir();
        EmbeddedKafkaBroker broker = null;
        try {
            int[] ports = freePorts(2);
            Properties config = config(logDir, ports[0], ports[1]);
            config.putAll(overrides);
            format(logDir, config);

            broker = new EmbeddedKafkaBroker(config, logDir, HOST + ":" + ports[0]);
            broker.restart();
            return broker;
        } catch (RuntimeException | Error e) {
            try {
                if (broker != null) {
                    broker.close();
                }
            } catch (RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            } finally {
                deleteQuietly(logDir);
            }
            throw e;
        }
    }

    private static Properties config(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("node.id", "1");
        p.put("process.roles", "broker,controller");
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        // A static voter set: the node elects itself without a dynamic-quorum bootstrap.
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("log.dirs", logDir.toString());

        // One node: every internal topic must fit on it, and with one partition each it is created fast.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        // Tests check what happens when a topic is missing, so it must not appear on first use.
        p.put("auto.create.topics.enable", "false");
        // A consumer group's first join would otherwise wait 3 s for more members.
        p.put("group.initial.rebalance.delay.ms", "0");

        // Small files, buffers and thread pools: a test broker holds little data, and the log cleaner would
        // otherwise take 128 MiB of heap up front (a smaller map only makes it clean in more passes).
        p.put("log.segment.bytes", String.valueOf(1024 * 1024));
        p.put("log.index.size.max.bytes", String.valueOf(1024 * 1024));
        p.put("metadata.log.segment.bytes", String.valueOf(8 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        return p;
    }

    /**
     * Writes meta.properties and the bootstrap metadata, as {@code kafka-storage.sh format} does.
     * {@code StorageTool.execute}, not {@code main}: main ends with {@code Exit.exit}, which stops the JVM.
     */
    private static void format(Path logDir, Properties config) {
        Path configFile = logDir.resolveSibling(logDir.getFileName() + ".properties");
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            try (OutputStream out = Files.newOutputStream(configFile)) {
                config.store(out, null);
            }
            String[] args = {
                "format",
                "--config",
                configFile.toString(),
                "--cluster-id",
                Uuid.randomUuid().toString()
            };
            int exitCode = StorageTool.execute(args, new PrintStream(output, true, StandardCharsets.UTF_8));
            if (exitCode != 0) {
                throw new IllegalStateException("Formatting " + logDir + " failed (" + exitCode + "): "
                        + output.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(configFile);
        }
    }

    private void awaitReady(Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Embedded Kafka did not answer at " + bootstrapServers, e);
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Stops the broker as a crash of its one node would, keeping its data and ports: clients see it gone until
     * {@link #restart()}. For tests of what a broker outage does to writers.
     */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the broker (again) on its ports and data; returns once it answers an Admin request. */
    public synchronized void restart() {
        if (server == null) {
            server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
            server.startup();
            awaitReady(Duration.ofSeconds(30));
        }
    }

    /** Shuts the broker down and deletes its log directory. */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            deleteQuietly(logDir);
        }
    }

    /**
     * Kafka needs concrete ports up front: the controller's goes into {@code controller.quorum.voters}, and
     * the broker's bound port is not exposed by {@link KafkaRaftServer}. The sockets are held open together
     * so the ports differ; another process could still take one before Kafka binds it, which is rare.
     */
    private static int[] freePorts(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                Utils.closeQuietly(socket, "port probe");
            }
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Utils.delete(path.toFile());
        } catch (IOException e) {
            // Only a leftover temp file; never worth failing a test for.
        }
    }
}
