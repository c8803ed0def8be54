package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int main(Map<String, String> env, String... args) {
        return Main.run(args, env::get, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void shouldExitZeroForAValidConfig(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ok.yaml"), """
                subscriptions:
                  - {id: a, url: "https://example.com/h", secret: "${S}", events: ["*"]}
                """);

        assertThat(main(Map.of("S", "x"), "validate-config", "--config", file.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("valid (1 subscriptions)");
    }

    @Test
    void shouldExitOneAndListEveryErrorForAnInvalidConfig(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                subscriptions:
                  - {id: a, url: "nope", secret: "${S}", events: []}
                """);

        assertThat(main(Map.of(), "validate-config", "--config", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(file + ": subscriptions[a].url: must be an absolute http or https URL")
                .contains(file + ": subscriptions[a].secret: environment variable S is not set")
                .contains(file + ": subscriptions[a].events: must not be empty");
    }

    @Test
    void shouldExitTwoOnUsageErrors() {
        assertThat(main(Map.of())).isEqualTo(2);
        assertThat(main(Map.of(), "validate-config")).isEqualTo(2);
        assertThat(main(Map.of(), "launch", "--config", "x.yaml")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:");
    }
}
