package io.webhookdispatcher.testkit;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Gives tests a {@link KafkaBroker} parameter (constructor, {@code @BeforeAll}, {@code @BeforeEach}, test method).
 * One broker is started per test JVM, on first use, shared by all test classes, and closed when the run ends.
 *
 * <p>The backend is chosen by the system property {@value #BACKEND_PROPERTY}:
 * {@code testcontainers} (an {@code apache/kafka} container; the tests are skipped when no Docker engine is found),
 * {@code embedded} ({@link EmbeddedKafkaBroker}), or {@code auto}, the default: the container if a Docker
 * engine is available, the embedded broker otherwise.
 *
 * <p>Register it on the class ({@code @ExtendWith(KafkaBrokerExtension.class)}): the broker is started in
 * class-level callbacks, where a missing Docker engine skips the class instead of failing it.
 */
public final class KafkaBrokerExtension
        implements BeforeAllCallback, TestInstancePreConstructCallback, ParameterResolver {

    public static final String BACKEND_PROPERTY = "kafka.backend";
    /** Overrides the container image; by default {@code apache/kafka} at the kafka-clients version. */
    public static final String IMAGE_PROPERTY = "kafka.image";

    enum Backend { EMBEDDED, TESTCONTAINERS }

    private static final Logger log = LoggerFactory.getLogger(KafkaBrokerExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    // With @TestInstance(PER_CLASS) the instance is built before beforeAll; start (or skip) here first, because
    // an exception thrown during parameter resolution is reported as a failure, never as a skip.
    @Override
    public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker(extensionContext);
    }

    /** The shared broker, started on first call; the root store closes it (it is AutoCloseable) after all tests. */
    private static KafkaBroker broker(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(KafkaBroker.class, key -> start(), KafkaBroker.class);
    }

    private static KafkaBroker start() {
        Backend backend = selectBackend(System.getProperty(BACKEND_PROPERTY),
                () -> DockerClientFactory.instance().isDockerAvailable());
        long startNanos = System.nanoTime();
        KafkaBroker broker = backend == Backend.TESTCONTAINERS ? ContainerBroker.start() : EmbeddedKafkaBroker.start();
        log.info("Kafka ({}) ready at {} in {} ms", backend, broker.bootstrapServers(),
                (System.nanoTime() - startNanos) / 1_000_000);
        return broker;
    }

    /**
     * Chooses the backend from the {@value #BACKEND_PROPERTY} value ({@code null} means {@code auto}).
     * Aborts the caller (a skip, via {@link Assumptions}) when the container is required but Docker is missing.
     * Docker is only probed when the answer depends on it.
     */
    static Backend selectBackend(String property, BooleanSupplier dockerAvailable) {
        String value = property == null || property.isBlank() ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "embedded":
                return Backend.EMBEDDED;
            case "testcontainers":
                Assumptions.assumeTrue(dockerAvailable.getAsBoolean(),
                        BACKEND_PROPERTY + "=testcontainers, but no Docker engine is available");
                return Backend.TESTCONTAINERS;
            case "auto":
                return dockerAvailable.getAsBoolean() ? Backend.TESTCONTAINERS : Backend.EMBEDDED;
            default:
                throw new IllegalArgumentException(BACKEND_PROPERTY + " must be auto, embedded or testcontainers, not '"
                        + property + "'");
        }
    }

    private static final class ContainerBroker implements KafkaBroker {
        private final KafkaContainer container;

        private ContainerBroker(KafkaContainer container) {
            this.container = container;
        }

        static ContainerBroker start() {
            String image = System.getProperty(IMAGE_PROPERTY, "apache/kafka:" + AppInfoParser.getVersion());
            // Same behaviour as the embedded broker: a missing topic stays missing.
            KafkaContainer container = new KafkaContainer(image)
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    .withEnv("KAFKA_NUM_PARTITIONS", "1");
            container.start();
            return new ContainerBroker(container);
        }

        @Override
        public String bootstrapServers() {
            return container.getBootstrapServers();
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
