package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.app.cli.Cli;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.retry.Replay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line as operators type it; the backend is a recording fake, so nothing reaches Kafka. */
class MainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path README = Path.of("README.md");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final RecordingBackend backend = new RecordingBackend();

    @TempDir
    Path dir;

    private String config;

    @BeforeEach
    void writeAValidConfig() throws IOException {
        config = Files.writeString(dir.resolve("ok.yaml"), """
                subscriptions:
                  - {id: a, url: "https://example.com/h", secret: "${S}", events: ["*"]}
                """).toString();
    }

    private int main(String... args) {
        return main(Map.of("S", "a-signing-secret-of-24-bytes-or-more"), args);
    }

    private int main(Map<String, String> env, String... args) {
        return Main.run(
                args,
                env::get,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                backend);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private JsonNode stdoutAsOneJsonObject() throws IOException {
        assertThat(stdout().lines()).as(stdout()).hasSize(1);
        return JSON.readTree(stdout());
    }

    // --- validate-config

    @Test
    void shouldExitZeroForAValidConfig() {
        assertThat(main("validate-config", "--config", config)).isZero();
        assertThat(stdout()).isEqualTo(config + ": valid (1 subscriptions)" + System.lineSeparator());
    }

    @Test
    void shouldExitOneAndListEveryErrorForAnInvalidConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                subscriptions:
                  - {id: a, url: "nope", secret: "${S}", events: []}
                """);

        assertThat(main(Map.of(), "validate-config", "--config", file.toString()))
                .isEqualTo(1);
        assertThat(stderr())
                .contains(file + ": subscriptions[a].url: must be an absolute http or https URL")
                .contains(file + ": subscriptions[a].secret: environment variable S is not set")
                .contains(file + ": subscriptions[a].events: must not be empty");
    }

    @Test
    void shouldExitOneForAFilterThatDoesNotTypeCheckNamingTheSubscription() throws Exception {
        Path file = Files.writeString(dir.resolve("bad-filter.yaml"), """
                subscriptions:
                  - id: wins
                    url: https://example.com/wins
                    secret: secret-wins-of-24-bytes-or-more
                    events: ["opportunity.*"]
                    filter: 'data.stage == "WON" && event > 3'
                """);

        assertThat(main(Map.of(), "validate-config", "--config", file.toString()))
                .isEqualTo(1);
        assertThat(stderr()).contains(file + ": subscriptions[wins].filter: is not a valid CEL filter:");
    }

    @Test
    void shouldPrintAValidConfigAsOneJsonObject() throws Exception {
        // when
        int exit = main("validate-config", "--config", config, "--output", "json");

        // then
        assertThat(exit).isZero();
        JsonNode json = stdoutAsOneJsonObject();
        assertThat(json.get("command").asText()).isEqualTo("validate-config");
        assertThat(json.get("config").asText()).isEqualTo(config);
        assertThat(json.get("valid").asBoolean()).isTrue();
        assertThat(json.get("subscriptions")).extracting(JsonNode::asText).containsExactly("a");
        assertThat(json.get("errors")).isEmpty();
    }

    @Test
    void shouldPrintEveryErrorOfAnInvalidConfigAsJsonAndExitOne() throws Exception {
        // when: the secret's variable is not set
        int exit = main(Map.of(), "validate-config", "--config=" + config, "--output=json");

        // then
        assertThat(exit).isEqualTo(1);
        JsonNode json = stdoutAsOneJsonObject();
        assertThat(json.get("valid").asBoolean()).isFalse();
        assertThat(json.get("errors"))
                .extracting(JsonNode::asText)
                .containsExactly(config + ": subscriptions[a].secret: environment variable S is not set");
        assertThat(json.has("subscriptions")).isFalse();
    }

    @Test
    void shouldExitOneWhenTheConfigFileIsMissing() {
        assertThat(main(
                        "validate-config",
                        "--config",
                        dir.resolve("absent.yaml").toString()))
                .isEqualTo(1);
        assertThat(stderr()).contains("absent.yaml: cannot read");
    }

    // --- run

    @Test
    void shouldRunWithAValidConfigAndReturnTheRunsExitCode() {
        // given
        backend.runExit = 0;

        // when
        int exit = main("run", "--config", config);

        // then
        assertThat(exit).isZero();
        assertThat(backend.runs)
                .singleElement()
                .satisfies(c ->
                        assertThat(c.subscriptions()).extracting(s -> s.id()).containsExactly("a"));
    }

    @Test
    void shouldNotStartWithAnInvalidConfig() {
        assertThat(main(Map.of(), "run", "--config", config)).isEqualTo(1);
        assertThat(backend.runs).isEmpty();
        assertThat(stderr()).contains("invalid configuration:", "environment variable S is not set");
    }

    // --- replay

    @Test
    void shouldRejectAMistypedReplayOptionAndReplayNothing() {
        // when: --subscripton instead of --subscription
        int exit = main("replay", "--config", config, "--subscripton", "crm-sync");

        // then: a usage error that names the typo and suggests the option, not a replay of everything
        assertThat(exit).isEqualTo(2);
        assertThat(backend.replays).isEmpty();
        assertThat(stderr())
                .contains("Unknown options: '--subscripton', 'crm-sync'")
                .contains("Possible solutions: --subscription")
                .contains("Usage:");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void shouldTakeOptionValuesWrittenWithAnEqualsSign() {
        // when
        int exit = main(
                "replay",
                "--config=" + config,
                "--subscription=crm-sync",
                "--event=person.*",
                "--reason=permanent-failure",
                "--dry-run");

        // then
        assertThat(exit).as(stderr()).isZero();
        ReplayCall call = backend.replays.get(0);
        assertThat(call.filter().subscription()).contains("crm-sync");
        assertThat(call.filter().event()).map(Object::toString).contains("person.*");
        assertThat(call.filter().reason()).contains("permanent-failure");
        assertThat(call.dryRun()).isTrue();
        assertThat(stdout()).contains("crm.events.dlt: scanned 7, matched 2, would re-publish 2 (1 not replayable");
    }

    @Test
    void shouldRequireAllToReplayWithoutAFilter() {
        assertThat(main("replay", "--config", config)).isEqualTo(2);
        assertThat(main("replay", "--config", config, "--dry-run")).isEqualTo(2);

        assertThat(backend.replays).isEmpty();
        assertThat(stderr())
                .contains("replay needs a filter (--subscription, --event, --reason, --since, --until), "
                        + "or --all to replay every dead letter");
    }

    @Test
    void shouldReplayEveryDeadLetterWithAll() {
        // when
        int exit = main("replay", "--config", config, "--all");

        // then
        assertThat(exit).isZero();
        assertThat(backend.replays).singleElement().satisfies(call -> {
            assertThat(call.filter())
                    .isEqualTo(new Replay.Filter(
                            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
            assertThat(call.retryTopic()).isEqualTo("crm.events.retry-5s");
            assertThat(call.dryRun()).isFalse();
        });
        assertThat(stdout()).contains("scanned 7, matched 2, re-published 2");
    }

    @Test
    void shouldRejectAllTogetherWithAFilter() {
        assertThat(main("replay", "--config", config, "--all", "--subscription", "a"))
                .isEqualTo(2);
        assertThat(backend.replays).isEmpty();
        assertThat(stderr()).contains("--all replays every dead letter");
    }

    @Test
    void shouldReadSinceAsAnInstantOrADurationAgo() {
        // when
        main("replay", "--config", config, "--since", "2h", "--until", "2030-01-01T00:00:00Z");

        // then
        Replay.Filter filter = backend.replays.get(0).filter();
        assertThat(filter.since())
                .hasValueSatisfying(since -> assertThat(since)
                        .isCloseTo(Instant.now().minus(Duration.ofHours(2)), within(1, ChronoUnit.MINUTES)));
        assertThat(filter.until()).contains(Instant.parse("2030-01-01T00:00:00Z"));
    }

    @Test
    void shouldPrintTheReplayResultAsOneJsonObjectAndTheRecordsOnStderr() throws Exception {
        // when
        int exit = main(
                "replay",
                "--config",
                config,
                "--subscription",
                "a",
                "--since",
                "2025-02-10T15:30:00Z",
                "--output",
                "json");

        // then: stdout is the result alone, for a script; the per-record lines went to stderr
        assertThat(exit).isZero();
        JsonNode json = stdoutAsOneJsonObject();
        assertThat(json.get("command").asText()).isEqualTo("replay");
        assertThat(json.get("config").asText()).isEqualTo(config);
        assertThat(json.get("ok").asBoolean()).isTrue();
        assertThat(json.get("dryRun").asBoolean()).isFalse();
        assertThat(json.get("all").asBoolean()).isFalse();
        assertThat(json.get("filter").get("subscription").asText()).isEqualTo("a");
        assertThat(json.get("filter").get("event").isNull()).isTrue();
        assertThat(json.get("filter").get("reason").isNull()).isTrue();
        assertThat(json.get("filter").get("since").asText()).isEqualTo("2025-02-10T15:30:00Z");
        assertThat(json.get("filter").get("until").isNull()).isTrue();
        assertThat(json.get("deadLetterTopic").asText()).isEqualTo("crm.events.dlt");
        assertThat(json.get("retryTopic").asText()).isEqualTo("crm.events.retry-5s");
        assertThat(json.get("scanned").asLong()).isEqualTo(7);
        assertThat(json.get("matched").asLong()).isEqualTo(2);
        assertThat(json.get("republished").asLong()).isEqualTo(2);
        assertThat(json.get("notReplayable").asLong()).isEqualTo(1);
        assertThat(stderr()).contains("replaying d-1 subscription=a");
    }

    @Test
    void shouldPrintAFailedReplayAsJsonAndExitOne() throws Exception {
        // given
        backend.failure = new IllegalStateException("no broker");

        // when
        int exit = main("replay", "--config", config, "--all", "--output", "json");

        // then
        assertThat(exit).isEqualTo(1);
        JsonNode json = stdoutAsOneJsonObject();
        assertThat(json.get("ok").asBoolean()).isFalse();
        assertThat(json.get("errors"))
                .extracting(JsonNode::asText)
                .containsExactly("replay failed: java.lang.IllegalStateException: no broker");
    }

    @Test
    void shouldExitOneWhenReplayFails() {
        backend.failure = new IllegalStateException("no broker");

        assertThat(main("replay", "--config", config, "--all")).isEqualTo(1);
        assertThat(stderr()).contains("replay failed: java.lang.IllegalStateException: no broker");
    }

    @Test
    void shouldReportAnInvalidConfigOfAReplayAsJson() throws Exception {
        assertThat(main(Map.of(), "replay", "--config", config, "--all", "--output", "json"))
                .isEqualTo(1);
        JsonNode json = stdoutAsOneJsonObject();
        assertThat(json.get("ok").asBoolean()).isFalse();
        assertThat(json.get("errors").get(0).asText()).contains("environment variable S is not set");
        assertThat(backend.replays).isEmpty();
    }

    // --- help, version, usage errors

    static Stream<Arguments> helpRequests() {
        return Stream.of(
                        List.of("--help"),
                        List.of("-h"),
                        List.of("help"),
                        List.of("help", "replay"),
                        List.of("replay", "--help"),
                        List.of("validate-config", "-h"),
                        List.of("run", "--help"))
                .map(args -> Arguments.of((Object) args.toArray(String[]::new)));
    }

    @ParameterizedTest
    @MethodSource("helpRequests")
    void shouldPrintHelpOnStdoutAndExitZero(String[] args) {
        assertThat(main(args)).as(stderr()).isZero();
        assertThat(stdout()).startsWith("Usage: java -jar webhook-dispatcher.jar");
        assertThat(stderr()).isEmpty();
        assertThat(backend.replays).isEmpty();
        assertThat(backend.runs).isEmpty();
    }

    @Test
    void shouldListEveryCommandAndExitCodeInTheHelp() {
        main("--help");
        assertThat(stdout()).contains("run", "validate-config", "replay", "2 usage error");
    }

    @Test
    void shouldPrintTheVersionAndExitZero() {
        assertThat(main("--version")).isZero();
        assertThat(main("-V")).isZero();
        assertThat(stdout().lines())
                .hasSize(2)
                .allSatisfy(line -> assertThat(line).matches("webhook-dispatcher \\d+\\.\\d+\\.\\d+.*"));
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of("no command", List.of()),
                Arguments.of("an unknown command", List.of("launch", "--config", "x.yaml")),
                Arguments.of("a missing --config", List.of("validate-config")),
                Arguments.of("--config without its value", List.of("run", "--config")),
                Arguments.of("an option given twice", List.of("run", "--config", "a.yaml", "--config", "b.yaml")),
                Arguments.of("an unknown option", List.of("run", "--config", "CONFIG", "--dry-run")),
                Arguments.of("a stray argument", List.of("validate-config", "--config", "CONFIG", "extra")),
                Arguments.of(
                        "an unknown output format",
                        List.of("validate-config", "--config", "CONFIG", "--output", "yaml")),
                Arguments.of(
                        "an option as a value", List.of("replay", "--config", "CONFIG", "--subscription", "--all")),
                Arguments.of(
                        "a bad event filter", List.of("replay", "--config", "CONFIG", "--event", "person.created.now")),
                Arguments.of("a bad time", List.of("replay", "--config", "CONFIG", "--since", "yesterday")),
                Arguments.of("an abbreviated option", List.of("replay", "--config", "CONFIG", "--sub", "a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void shouldExitTwoOnAUsageErrorAndDoNothing(String what, List<String> args) {
        // when
        int exit = main(args.stream().map(a -> a.equals("CONFIG") ? config : a).toArray(String[]::new));

        // then
        assertThat(exit).as(stderr()).isEqualTo(2);
        assertThat(stderr()).contains("Usage: java -jar webhook-dispatcher.jar");
        assertThat(stdout()).isEmpty();
        assertThat(backend.replays).isEmpty();
        assertThat(backend.runs).isEmpty();
    }

    // --- the README's commands, as written

    @Test
    void shouldValidateTheExampleConfigWithTheReadmesCommandLine() throws Exception {
        // given: the README's validate-config line, environment variables included
        ReadmeCommand command = readmeCommand("validate-config");
        assertThat(command.args()).containsSequence("--config", "config/example.yaml");

        // when: nothing from this machine's environment, only what the line sets
        int exit = main(command.env(), command.args());

        // then
        assertThat(exit).as(stderr()).isZero();
        assertThat(stdout()).contains("config/example.yaml: valid (1 subscriptions)");
    }

    @Test
    void shouldAcceptTheReadmesRunAndReplayCommandLines() throws Exception {
        // when: run and replay as the README writes them (the backend stands in for Kafka)
        ReadmeCommand run = readmeCommand("run");
        ReadmeCommand replay = readmeCommand("replay");
        int runExit = main(run.env(), run.args());
        int replayExit = main(replay.env(), replay.args());

        // then
        assertThat(runExit).as(stderr()).isZero();
        assertThat(replayExit).as(stderr()).isZero();
        assertThat(backend.runs).hasSize(1);
        assertThat(backend.replays)
                .singleElement()
                .satisfies(call -> assertThat(call.filter().subscription()).contains("crm-sync"));
    }

    /** A command line from the README's "Running it" block: {@code [NAME=value ...] java -jar JAR ARGS}. */
    private record ReadmeCommand(Map<String, String> env, String[] args) {}

    private static ReadmeCommand readmeCommand(String command) throws IOException {
        String readme = Files.readString(README);
        String section = readme.substring(readme.indexOf("## Running it"), readme.indexOf("| command |"));
        List<String> lines = section.lines()
                .filter(l -> l.startsWith("    "))
                .map(l -> l.replaceFirst("#.*", "").trim())
                .filter(l -> List.of(l.split("\\s+")).contains(command))
                .toList();
        assertThat(lines).as("the README's %s line", command).hasSize(1);
        var env = new HashMap<String, String>();
        var words = new ArrayList<>(Arrays.asList(lines.get(0).split("\\s+")));
        while (words.get(0).matches("[A-Z_][A-Z0-9_]*=.*")) {
            String[] assignment = words.remove(0).split("=", 2);
            env.put(assignment[0], assignment[1]);
        }
        assertThat(words.subList(0, 3))
                .as(lines.get(0))
                .containsExactly("java", "-jar", "target/webhook-dispatcher.jar");
        return new ReadmeCommand(env, words.subList(3, words.size()).toArray(String[]::new));
    }

    // --- LOG_FORMAT=json

    @Test
    void shouldWriteJsonLogLinesWithTheFieldsLogPipelinesExpect() throws Exception {
        // given: logback-json.xml, as LOG_FORMAT=json selects it, in a logger context of its own
        var context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        var configurator = new JoranConfigurator();
        configurator.setContext(context);
        var captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            configurator.doConfigure(Main.class.getResource("/logback-json.xml"));

            // when
            context.getLogger("io.webhookdispatcher.app.Example")
                    .error(
                            "delivery {} failed after {} attempts",
                            "d-1",
                            3,
                            new IllegalStateException("gave up", new IOException("connection reset")));
        } finally {
            context.stop();
            System.setOut(stdout);
        }

        // then
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(1);
        JsonNode line = JSON.readTree(lines.get(0));
        Set<String> fields = new java.util.TreeSet<>();
        line.fieldNames().forEachRemaining(fields::add);
        assertThat(fields)
                .containsExactlyInAnyOrder("@timestamp", "level", "logger", "thread", "message", "stack_trace");
        assertThat(line.get("message").asText()).isEqualTo("delivery d-1 failed after 3 attempts");
        assertThat(line.get("level").asText()).isEqualTo("ERROR");
        assertThat(line.get("logger").asText()).isEqualTo("io.webhookdispatcher.app.Example");
        assertThat(line.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(line.get("@timestamp").asText()).endsWith("Z");
        assertThat(Instant.parse(line.get("@timestamp").asText()))
                .isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
        assertThat(line.get("stack_trace").asText())
                .startsWith("java.io.IOException: connection reset")
                .contains("java.lang.IllegalStateException: gave up")
                .hasSizeLessThanOrEqualTo(8192);
    }

    // --- the fake

    private record ReplayCall(String retryTopic, Replay.Filter filter, boolean dryRun) {}

    private static final class RecordingBackend implements Cli.Backend {
        final List<DispatcherConfig> runs = new ArrayList<>();
        final List<ReplayCall> replays = new ArrayList<>();
        int runExit;
        Exception failure;

        @Override
        public int run(DispatcherConfig config, Application.ConfigSource source, PrintStream err) {
            runs.add(config);
            return runExit;
        }

        @Override
        public Replay.Result replay(
                DispatcherConfig config, String retryTopic, Replay.Filter filter, boolean dryRun, PrintStream progress)
                throws Exception {
            if (failure != null) {
                throw failure;
            }
            replays.add(new ReplayCall(retryTopic, filter, dryRun));
            progress.println("replaying d-1 subscription=a event=person.created reason=permanent-failure");
            return new Replay.Result(7, 2, dryRun ? 0 : 2, 1);
        }
    }
}
