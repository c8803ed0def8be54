package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.attempts.AttemptQuery;
import io.webhookdispatcher.attempts.AttemptRecord;
import io.webhookdispatcher.config.DispatcherConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attempts} as operators type it; the backend answers canned results, so nothing reaches Kafka. */
class AttemptsCliTest {
    private static final AttemptRecord DELIVERED = new AttemptRecord(
            "msg_1",
            "a",
            "person.created",
            "p1",
            null,
            "crm.events",
            0,
            7,
            3,
            "2026-12-01T10:00:00Z",
            9L,
            200,
            "2xx",
            null,
            "delivered",
            null);

    private final CommandRun run = new CommandRun();
    private final ByteArrayOutputStream out = run.out;
    private final ByteArrayOutputStream err = run.err;
    private final List<AttemptQuery.Filter> asked = new ArrayList<>();
    private List<AttemptRecord> answer = List.of();

    @TempDir
    Path dir;

    private int main(String attempts, String... args) throws Exception {
        return run.run(
                dir,
                attempts == null ? null : "{attempts: " + attempts + "}",
                new CommandRun.Backend() {
                    @Override
                    public AttemptQuery.Result attempts(
                            DispatcherConfig c, String topic, AttemptQuery.Filter filter, int limit) {
                        assertThat(topic).isEqualTo("crm.attempts");
                        asked.add(filter);
                        return new AttemptQuery.Result(5, 0, answer, answer.size());
                    }
                },
                "attempts",
                args);
    }

    @Test
    void shouldPrintATableOfTheMatches() throws Exception {
        answer = List.of(DELIVERED);

        int exit =
                main("crm.attempts", "--subscription", "a", "--key", "p1", "--since", "2h", "--outcome", "delivered");

        assertThat(exit).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("STARTED_AT", "ATTEMPT", "OUTCOME", "msg_1", "delivered", "crm.events/0@7");
        assertThat(text).contains("1 attempts matched");
        var filter = asked.get(0);
        assertThat(filter.subscription()).contains("a");
        assertThat(filter.key()).contains("p1");
        assertThat(filter.outcome()).contains("delivered");
        assertThat(filter.since())
                .isBefore(Instant.now().minusSeconds(7100))
                .isAfter(Instant.now().minusSeconds(7300));
    }

    @Test
    void shouldSayClearlyWhenNothingMatchedAndExitZero() throws Exception {
        int exit = main("crm.attempts", "--key", "nobody");

        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("no attempts matched");
        assertThat(asked.get(0).since()).isBefore(Instant.now().minusSeconds(86_000)); // 24h by default
    }

    @Test
    void shouldPrintJson() throws Exception {
        answer = List.of(DELIVERED);

        int exit = main("crm.attempts", "--delivery-id", "msg_1", "--output", "json");

        assertThat(exit).isZero();
        var json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.get("ok").asBoolean()).isTrue();
        assertThat(json.get("matched").asInt()).isEqualTo(1);
        assertThat(json.get("attempts").get(0).get("attempt").asInt()).isEqualTo(3);
        assertThat(json.get("attempts").get(0).has("keyBase64")).isFalse();
    }

    @Test
    void shouldRefuseWithoutAnAttemptsTopic() throws Exception {
        int exit = main(null, "--key", "p1");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("topics.attempts is not set");
        assertThat(asked).isEmpty();
    }

    @Test
    void shouldRejectAMistypedFilterBeforeReading() throws Exception {
        int exit = main("crm.attempts", "--kye", "p1");

        assertThat(exit).isEqualTo(2);
        assertThat(asked).isEmpty();
    }
}
