package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code validate-config} prints a valid config's warnings and still exits 0 (issue 20). */
class ValidateConfigWarningsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void shouldPrintTheWarningsOfAValidConfigAndExitZero() throws Exception {
        // given: every address allowed, and a retry schedule shorter than the breaker's first cool-down
        Path file = Files.writeString(dir.resolve("wide.yaml"), """
                delivery: {allowedNetworks: [0.0.0.0/0]}
                retry: {schedule: [1s]}
                subscriptions:
                  - {id: a, url: "https://example.com/h", secret: "${S}", events: ["*"]}
                """);

        // when
        int text = validate(file, "text");
        String printed = out.toString(StandardCharsets.UTF_8);
        out.reset();
        int json = validate(file, "json");
        JsonNode result = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));

        // then
        assertThat(text).isZero();
        assertThat(printed)
                .contains(file + ": valid (1 subscriptions)")
                .contains("  warning: " + file + ": delivery.allowedNetworks: 0.0.0.0/0 covers the cloud metadata")
                .contains("  warning: " + file + ": delivery.circuitBreaker.openDuration: 5s is longer than the whole"
                        + " retry.schedule (1s)");
        assertThat(json).isZero();
        assertThat(result.get("valid").asBoolean()).isTrue();
        assertThat(result.get("warnings")).hasSize(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    private int validate(Path file, String output) {
        return Main.run(
                new String[] {"validate-config", "--config", file.toString(), "--output", output},
                Map.of("S", "s3cr3t-value-of-24-bytes-or-more")::get,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
