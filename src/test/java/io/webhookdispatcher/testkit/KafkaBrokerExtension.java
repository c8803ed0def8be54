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
 * One broker is started per test JVM, on first use, shared by all test classes, and closed when the JVM exits.
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

    // A condition rather than an assumption in beforeAll: Surefire/Failsafe count a class aborted in beforeAll as
    // zero tests, while a disabled class shows up as skipped tests. It also runs before any constructor.
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return condition(PerJvm.backend());
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

    /** The broker of this JVM, started on first use; also for {@link DispatcherExtension}. */
    static KafkaBroker broker(ExtensionContext context) {
        return PerJvm.broker();
    }

    /**
     * The backend and the broker of this JVM, each decided or started once. Not in JUnit's root store: Failsafe with
     * {@code forkCount} 2 (see pom.xml) runs each test class as a launcher execution of its own, with a root store of
     * its own, and a broker kept there was started and stopped once per class (17 times in one run, up to 10 s each)
     * and Docker probed as often. The broker is closed by a shutdown hook when the test JVM exits.
     */
    private static final class PerJvm {
        private static Optional<Backend> backend; // guarded by PerJvm.class
        private static KafkaBroker broker; // guarded by PerJvm.class

        static synchronized Optional<Backend> backend() {
            if (backend == null) {
                backend = selectBackend(
                        System.getProperty(BACKEND_PROPERTY),
                        () -> DockerClientFactory.instance().isDockerAvailable());
            }
            return backend;
        }

        static synchronized KafkaBroker broker() {
            if (broker == null) {
                // The condition skipped the test when there is no backend.
                KafkaBroker started = start(backend().orElseThrow());
                Runtime.getRuntime().addShutdownHook(new Thread(started::close, "kafka-broker-close"));
                broker = started;
            }
            return broker;
        }
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
