package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import io.webhookdispatcher.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 20: a value expanded from the environment shows in no error, whoever raises it. {@code run} with
 * {@code sasl.jaas.config: 'x ${SEC}'} printed {@code Invalid login module control flag '<the secret>'} in a raw stack
 * trace; with spaces in the value, a piece of it.
 */
class SecretMaskingTest {
    /** Spaces, a quote and a backslash: Kafka quotes a piece, JSON and JAAS escape the rest. */
    private static final String CANARY = "Canary7Piece Second\"Third\\Fourth";

    private static final String[] PIECES = {"Canary7Piece", "Second", "Third", "Fourth"};
    /** The probe's reproduction: validate-config accepts it, Kafka's JAAS parser cannot parse it. */
    static final String LEAKY_CONFIG = """
            kafka:
              bootstrapServers: 127.0.0.1:1
              properties:
                security.protocol: SASL_PLAINTEXT
                sasl.mechanism: PLAIN
                sasl.jaas.config: 'x ${SEC}'
            management: {port: 0}
            subscriptions:
              - {id: crm, url: "https://example.com/h", secret: "secret-of-24-bytes-or-more-xx", events: ["*"]}
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void shouldNotPrintTheExpandedJaasValueWhenRunCannotBuildItsKafkaClients() throws Exception {
        // given: a config validate-config accepts, whose JAAS text Kafka cannot parse
        Path file = Files.writeString(dir.resolve("leaky.yaml"), LEAKY_CONFIG);
        Map<String, String> env = Map.of("SEC", CANARY);
        assertThat(main(env, "validate-config", "--config", file.toString())).isZero();

        // when
        int exit = main(env, "run", "--config", file.toString());

        // then: a failed start, said once, without the value or a piece of it
        String printed = printed();
        assertThat(exit).isEqualTo(1);
        assertThat(printed).contains("cannot start: ").contains("JAAS config");
        assertNoPiece(printed);
    }

    @Test
    void shouldMaskTheUncaughtExceptionsStackTrace() throws Exception {
        // given
        expand();
        var error = new KafkaException("Failed to create", new IllegalArgumentException("flag '" + CANARY + "'"));

        // when
        Main.uncaught(new Thread("kafka-client"), error, new PrintStream(err, true, StandardCharsets.UTF_8));

        // then
        String printed = printed();
        assertThat(printed)
                .startsWith("Exception in thread \"kafka-client\" org.apache.kafka.common.KafkaException")
                .contains("Caused by: java.lang.IllegalArgumentException: flag '****'")
                .contains("\tat ");
        assertNoPiece(printed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/logback.xml", "/logback-json.xml"})
    void shouldMaskLogLinesAndTheirStackTracesInBothFormats(String format) throws Exception {
        // given: the jar's log format, in a logger context of its own
        expand();
        var context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        var configurator = new JoranConfigurator();
        configurator.setContext(context);
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            configurator.doConfigure(Main.class.getResource(format));

            // when: a Kafka client's exception quotes the value, in the message and in a cause
            context.getLogger("org.apache.kafka.clients.Example")
                    .error(
                            "login with " + CANARY + " failed",
                            new KafkaException(
                                    "Failed to construct kafka consumer",
                                    new IllegalArgumentException("Value not specified for key '" + CANARY + "'")));
        } finally {
            context.stop();
            System.setOut(stdout);
        }

        // then
        String printed = printed();
        assertThat(printed).contains("Failed to construct kafka consumer").contains("Value not specified for key");
        assertNoPiece(printed);
    }

    /** Loads a config that expands the canary, as start-up does. */
    private static void expand() throws Exception {
        new ConfigLoader(Map.of("SEC", CANARY)::get).parse(LEAKY_CONFIG, "leaky.yaml");
    }

    private int main(Map<String, String> env, String... args) {
        return Main.run(
                args,
                env::get,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    private static void assertNoPiece(String printed) {
        for (String piece : PIECES) {
            assertThat(printed).doesNotContain(piece);
        }
    }
}
