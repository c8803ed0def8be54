package io.webhookdispatcher.testkit;

import java.util.Locale;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh {@link DispatcherFixture} parameter, in {@code @BeforeEach} methods and the test method
 * alike (the same instance in both), on the shared broker of {@link KafkaBrokerExtension}; closes it after the
 * test. Its run name starts with the test class's name, without the {@code IT}.
 */
public final class DispatcherExtension implements ExecutionCondition, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(DispatcherExtension.class);

    private final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

    /** Skipped, like {@link KafkaBrokerExtension}'s tests, when the chosen broker cannot run. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return kafka.evaluateExecutionCondition(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == DispatcherFixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("a DispatcherFixture belongs to one test: take it in the test "
                    + "method or in @BeforeEach, not in " + parameterContext.getDeclaringExecutable());
        }
        // In the test's own store: JUnit closes it (it is AutoCloseable) once the test and its @AfterEach are done.
        return context.getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        DispatcherFixture.class,
                        key -> new DispatcherFixture(KafkaBrokerExtension.broker(context), runName(context)),
                        DispatcherFixture.class);
    }

    private static String runName(ExtensionContext context) {
        String name = context.getRequiredTestClass().getSimpleName().replaceFirst("IT$", "");
        return name.toLowerCase(Locale.ROOT);
    }
}
