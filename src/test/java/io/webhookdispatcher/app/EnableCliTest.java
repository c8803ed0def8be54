package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.app.cli.Cli;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.operations.OperationRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code enable} as operators type it; the backend answers canned states, so nothing reaches Kafka. */
class EnableCliTest {
    private static final OperationRecord DISABLED = new OperationRecord(
            OperationRecord.DISABLED,
            "a",
            "2026-12-06T10:00:00Z",
            "2026-12-01T10:00:00Z",
            503,
            "5xx",
            4000L,
            120000L,
            "PT120H",
            "f",
            "pod-1");

    private final CommandRun run = new CommandRun();
    private final List<String> asked = new ArrayList<>();
    private Cli.Enabled answer = new Cli.Enabled(true, Optional.of(DISABLED));

    @TempDir
    Path dir;

    private int main(String operations, String... args) throws Exception {
        return run.run(
                dir,
                operations == null ? null : "{operations: " + operations + "}",
                new CommandRun.Backend() {
                    @Override
                    public Cli.Enabled enable(DispatcherConfig c, String topic, Subscription subscription) {
                        asked.add(topic + "/" + subscription.id());
                        return answer;
                    }
                },
                "enable",
                args);
    }

    private String out() {
        return run.out();
    }

    private String err() {
        return run.err();
    }

    @Test
    void shouldEnableADisabledSubscriptionAndSayHowToReplayWhatItMissed() throws Exception {
        assertThat(main("crm.ops", "--subscription", "a")).isZero();

        assertThat(asked).containsExactly("crm.ops/a");
        assertThat(out())
                .contains("enabled subscription a (disabled at 2026-12-06T10:00:00Z after failing since"
                        + " 2026-12-01T10:00:00Z)")
                .contains("replay --config ", "--subscription a --reason endpoint-disabled");
    }

    @Test
    void shouldSucceedAndSaySoWhenItWasNotDisabled() throws Exception {
        answer = new Cli.Enabled(false, Optional.empty());

        assertThat(main("crm.ops", "--subscription", "a", "--output", "json")).isZero();
        assertThat(out()).contains("\"ok\":true", "\"enabled\":false", "\"state\":\"none\"");
    }

    @Test
    void shouldFailWithoutTheOperationsTopicOrForAnUnknownSubscriptionBeforeReachingKafka() throws Exception {
        assertThat(main(null, "--subscription", "a")).isEqualTo(1);
        assertThat(err()).contains("topics.operations is not set");
        assertThat(main("crm.ops", "--subscription", "nobody")).isEqualTo(1);
        assertThat(err()).contains("no subscription nobody in");
        assertThat(asked).isEmpty();
    }

    @Test
    void shouldRequireTheSubscription() throws Exception {
        assertThat(main("crm.ops")).isEqualTo(2);
        assertThat(err()).contains("Missing required option: '--subscription=ID'");
    }
}
