package io.webhookdispatcher.testkit;

import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Gives tests a {@link KafkaBroker} parameter (constructor, {@code @BeforeAll}, {@code @BeforeEach}, test method).
 * One broker is started per test JVM, on first use, shared by all test classes, and closed when the run ends.
 *
 * <p>The backend is chosen by the system property {@value #BACKEND_PROPERTY}:
 * {@code testcontainers} (an {@code apache/kafka} container; without a Docker engine the tests are skipped),
 * {@code embedded} ({@link EmbeddedKafkaBroker}), or {@code auto}, the default: the container if a Docker
 * engine is available, the embedded broker otherwise.
 */
public final class KafkaBrokerExtension implements ExecutionCondition, ParameterResolver {

    public static final String BACKEND_PROPERTY = "kafka.backend";
    /** Overrides the container image; by default {@code apache/kafka} at the kafka-clients version. */
    public static final String IMAGE_PROPERTY = "kafka.image";

    enum Backend {
        EMBEDDED,
        TESTCONTAINERS
    }

    private static final Logger log = LoggerFactory.getLogger(KafkaBrokerExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    // A condition rather than an assumption in beforeAll: Surefire/Failsafe count a class aborted in beforeAll as
    // zero tests, while a disabled class shows up as skipped tests. It also runs before any constructor.
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return condition(backend(context));
    }

    static ConditionEvaluationResult condition(Optional<Backend> backend) {
        return backend.map(b -> ConditionEvaluationResult.enabled("Kafka backend: " + b))
                .orElseGet(() -> ConditionEvaluationResult.disabled(
                        BACKEND_PROPERTY + "=testcontainers, but no Docker engine is available"));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker(extensionContext);
    }

    /** The broker of this run, started on first use; also for {@link DispatcherExtension}. */
    static KafkaBroker broker(ExtensionContext context) {
        Backend backend = backend(context).orElseThrow(); // the condition skipped the test otherwise
        // Kept in the root store: shared by all test classes, and closed (it is AutoCloseable) after the last one.
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(KafkaBroker.class, key -> start(backend), KafkaBroker.class);
    }

    /** The backend for this JVM, decided once: Docker is probed at most once per run. */
    @SuppressWarnings("unchecked")
    private static Optional<Backend> backend(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        Backend.class,
                        key -> selectBackend(
                                System.getProperty(BACKEND_PROPERTY),
                                () -> DockerClientFactory.instance().isDockerAvailable()),
                        Optional.class);
    }

    /**
     * Chooses the backend from the {@value #BACKEND_PROPERTY} value ({@code null} means {@code auto});
     * empty when the container is required but Docker is missing. Docker is only probed when the answer depends on it.
     */
    static Optional<Backend> selectBackend(String property, BooleanSupplier dockerAvailable) {
        String value = property == null || property.isBlank()
                ? "auto"
                : property.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "embedded":
                return Optional.of(Backend.EMBEDDED);
            case "testcontainers":
                return dockerAvailable.getAsBoolean() ? Optional.of(Backend.TESTCONTAINERS) : Optional.empty();
            case "auto":
                return Optional.of(dockerAvailable.getAsBoolean() ? Backend.TESTCONTAINERS : Backend.EMBEDDED);
            default:
                throw new IllegalArgumentException(
                        BACKEND_PROPERTY + " must be auto, embedded or testcontainers, not '" + property + "'");
        }
    }

    private static KafkaBroker start(Backend backend) {
        long startNanos = System.nanoTime();
        KafkaBroker broker = backend == Backend.TESTCONTAINERS ? ContainerBroker.start() : EmbeddedKafkaBroker.start();
        log.info(
                "Kafka ({}) ready at {} in {} ms",
                backend,
                broker.bootstrapServers(),
                (System.nanoTime() - startNanos) / 1_000_000);
        return broker;
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
