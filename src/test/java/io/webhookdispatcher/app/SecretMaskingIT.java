package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.DispatcherProcess;
import io.webhookdispatcher.testkit.SampleEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 20, on the real jar: a canary in every field that expands {@code ${…}} shows in nothing the dispatcher
 * prints (stdout and stderr, text and JSON logs, the command line's outputs), serves ({@code /metrics}) or writes
 * (every topic's records and headers).
 */
@ExtendWith(DispatcherExtension.class)
class SecretMaskingIT {
    private static final Pattern MANAGEMENT = Pattern.compile("management on [^:\\s]+:(\\d+)");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"text", "json"})
    void shouldNotPrintTheSecretWhenRunCannotBuildItsKafkaClients(String format) throws Exception {
        // given: the probe's reproduction, with spaces in the value (Kafka quotes the first piece)
        Path config = Files.writeString(
                dir.resolve("leaky.yaml"), SecretMaskingTest.LEAKY_CONFIG + "topics: {attempts: leaky.attempts}\n");
        var env = Map.of("SEC", "Canary5Jaas Second5Piece", "LOG_FORMAT", format);

        // when: each command on it
        Output validate = jar(env, "validate-config", "--config", config.toString());
        Output run = jar(env, "run", "--config", config.toString());
        Output replay = jar(env, "replay", "--config", config.toString(), "--all", "--dry-run");
        Output attempts = jar(env, "attempts", "--config", config.toString());

        // then: run fails to start and says so; nothing shows the value or a piece of it
        assertThat(validate.exit()).isZero();
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("cannot start: ").contains("JAAS config");
        for (Output output : List.of(validate, run, replay, attempts)) {
            assertNoCanary(output.stdout() + output.stderr(), "Canary5Jaas", "Second5Piece");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"text", "json"})
    void shouldShowNoExpandedValueInLogsMetricsTopicsOrCliOutputsOfARunningDispatcher(
            String format, DispatcherFixture dispatcher) throws Exception {
        // given: a canary through every field that expands: url, secret, secrets, bootstrapServers, and a password
        // and a plugin key of kafka.properties
        var receiver = dispatcher.receiver();
        String secret = "whsec-Canary6Secret-of-24-bytes";
        receiver.endpoint("/ok", secret).answer("/failing", 500);
        dispatcher
                .env("LOG_FORMAT", format)
                .env("CANARY_SECRET", secret)
                .env("CANARY_SECRETS", "whsec-Canary6Secrets-of-24-bytes")
                .env("CANARY_PASSWORD", "Canary6Password")
                .env("CANARY_PLUGIN", "Canary6Plugin")
                .env("CANARY_URL", receiver.url("/failing?Canary6Url"))
                .env("CANARY_BOOTSTRAP", dispatcher.broker().bootstrapServers())
                .with("kafka.bootstrapServers", "${CANARY_BOOTSTRAP}")
                .with(
                        "kafka.properties",
                        Map.of("ssl.key.password", "${CANARY_PASSWORD}", "some.plugin.setting", "${CANARY_PLUGIN}"))
                .with("topics.attempts", dispatcher.run() + ".attempts")
                .subscription(Map.of(
                        "id", "ok", "url", receiver.url("/ok"), "secret", "${CANARY_SECRET}", "events", List.of("*")))
                .subscription(Map.of(
                        "id",
                        "failing",
                        "url",
                        "${CANARY_URL}",
                        "secrets",
                        List.of("${CANARY_SECRETS}"),
                        "events",
                        List.of("*")))
                .createEventsTopic();
        String metrics;
        String output;
        try (DispatcherProcess process = dispatcher.startProcess()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> MANAGEMENT.matcher(process.output()).find());

            // when: a good event (delivered once, retried and dead-lettered once), and one that is no JSON
            dispatcher.send("k1", SampleEvents.event("person.created", "e1"));
            dispatcher.send("k2", "not json".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> dispatcher.deadLetters().size() == 2);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !receiver.received("/ok").isEmpty());
            var port = MANAGEMENT.matcher(process.output());
            assertThat(port.find()).isTrue();
            metrics = get(Integer.parseInt(port.group(1)), "/metrics");
            assertThat(process.terminate(30)).isZero();
            output = process.output();
        }
        Path config = dispatcher.writeConfig();
        var env = new java.util.HashMap<>(Map.of("LOG_FORMAT", format));
        env.putAll(Map.of(
                "CANARY_SECRET",
                secret,
                "CANARY_SECRETS",
                "whsec-Canary6Secrets-of-24-bytes",
                "CANARY_PASSWORD",
                "Canary6Password",
                "CANARY_PLUGIN",
                "Canary6Plugin",
                "CANARY_URL",
                receiver.url("/failing?Canary6Url"),
                "CANARY_BOOTSTRAP",
                dispatcher.broker().bootstrapServers()));
        Output attempts = jar(env, "attempts", "--config", config.toString(), "--output", "json");
        Output replay = jar(env, "replay", "--config", config.toString(), "--all", "--dry-run");

        // then
        assertThat(metrics).contains("webhook_");
        assertThat(attempts.exit()).isZero();
        assertThat(replay.exit()).isZero();
        String everything = output
                + metrics
                + topics(dispatcher)
                + attempts.stdout()
                + attempts.stderr()
                + replay.stdout()
                + replay.stderr();
        assertNoCanary(everything, "Canary6Secret", "Canary6Secrets", "Canary6Password", "Canary6Plugin", "Canary6Url");
    }

    /** Every record of every topic of this run, keys, values and headers, as text. */
    private static String topics(DispatcherFixture dispatcher) throws Exception {
        List<String> names;
        try (Admin admin = Admin.create(
                Map.<String, Object>of("bootstrap.servers", dispatcher.broker().bootstrapServers()))) {
            names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(name -> name.startsWith(dispatcher.run()))
                    .toList();
        }
        assertThat(names).hasSizeGreaterThanOrEqualTo(4); // events, a retry topic, dead letters, attempts
        var text = new StringBuilder();
        for (String topic : names) {
            for (ConsumerRecord<byte[], byte[]> record : dispatcher.kafka().readAll(topic)) {
                text.append(topic)
                        .append(' ')
                        .append(string(record.key()))
                        .append(' ')
                        .append(string(record.value()));
                for (Header header : record.headers()) {
                    text.append(' ').append(header.key()).append('=').append(string(header.value()));
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    private static String string(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static void assertNoCanary(String text, String... pieces) {
        for (String piece : pieces) {
            assertThat(text).doesNotContain(piece);
        }
    }

    private record Output(int exit, String stdout, String stderr) {}

    /** The jar as a command: its exit code, and stdout and stderr apart. */
    private Output jar(Map<String, String> env, String... args) throws Exception {
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-jar",
                DispatcherProcess.jar().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        var builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", args) + ": no exit within 90s");
        }
        return new Output(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
