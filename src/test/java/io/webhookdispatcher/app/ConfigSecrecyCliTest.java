package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.app.cli.Cli;
import io.webhookdispatcher.testkit.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code validate-config} on a config that references a secret where it must not: the value is never printed. */
class ConfigSecrecyCliTest {
    private static final String SECRET = "whsec-Cli9TopSecretValue";
    private static final Map<String, String> ENV = Map.of("WEBHOOK_SECRET_CRM_SYNC", SECRET);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int validate(Path file, String output) {
        Cli.Backend none = new CommandRun.Backend() {};
        return Main.run(
                new String[] {"validate-config", "--config", file.toString(), "--output", output},
                ENV::get,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                none);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text", "json"})
    void shouldPrintTheTemplateNeverTheValue(String output) throws Exception {
        // given: the secret's variable in a field that is not expanded, and in two that are, with values
        // that are no URL and no broker list
        Path file = Files.writeString(dir.resolve("dispatcher.yaml"), """
                kafka:
                  bootstrapServers: ${WEBHOOK_SECRET_CRM_SYNC}
                  groupId: ${WEBHOOK_SECRET_CRM_SYNC}
                  properties:
                    some.plugin.setting: ${WEBHOOK_SECRET_CRM_SYNC}
                subscriptions:
                  - id: crm
                    url: ${WEBHOOK_SECRET_CRM_SYNC}
                    secret: ${WEBHOOK_SECRET_CRM_SYNC}
                    events: ["*"]
                    enabled: ${WEBHOOK_SECRET_CRM_SYNC}
                """);

        // when
        String logs;
        int exit;
        try (var capture = new LogCapture()) {
            exit = validate(file, output);
            logs = capture.text();
        }

        // then
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(exit).isEqualTo(1);
        assertThat(printed)
                .contains("kafka.bootstrapServers: must be host:port pairs")
                .contains("kafka.groupId: ${…} is only expanded in")
                .contains("subscriptions[crm].url: must be an absolute http or https URL (from"
                        + " '${WEBHOOK_SECRET_CRM_SYNC}')")
                .contains("subscriptions[crm].enabled: ${…} is only expanded in")
                .doesNotContain(SECRET)
                .doesNotContain(SECRET.substring(6));
        assertThat(logs).doesNotContain(SECRET.substring(6));
        if (output.equals("json")) {
            JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
            assertThat(json.get("errors")).hasSize(4);
        }
    }

    @Test
    void shouldValidateAConfigThatUsesTheSecretWhereItBelongs() throws Exception {
        Path file = Files.writeString(dir.resolve("dispatcher.yaml"), """
                kafka:
                  properties:
                    some.plugin.setting: ${WEBHOOK_SECRET_CRM_SYNC}
                subscriptions:
                  - {id: crm, url: "https://example.com/h", secret: "${WEBHOOK_SECRET_CRM_SYNC}", events: ["*"]}
                """);

        String logs;
        try (var capture = new LogCapture()) {
            assertThat(validate(file, "text")).isZero();
            logs = capture.text();
        }

        // then: the plugin key's warning names it, without its value (validate-config prints it rather than logs it)
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(printed)
                .contains("warning: ")
                .contains("some.plugin.setting")
                .doesNotContain(SECRET);
        assertThat(logs).doesNotContain(SECRET);
    }
}
