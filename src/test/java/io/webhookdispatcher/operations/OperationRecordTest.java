package io.webhookdispatcher.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The operations topic's JSON: what an operator reads, and what a later version must still understand. */
class OperationRecordTest {
    @Test
    void shouldWriteOnlyTheFieldsItHasAndReadThemBack() {
        var enabled = OperationRecord.enabled("crm", Instant.parse("2026-12-01T10:00:00Z"), "abc", "cli");

        String json = new String(enabled.toJson(), StandardCharsets.UTF_8);

        assertThat(json)
                .isEqualTo(
                        "{\"type\":\"subscription.enabled\",\"subscription\":\"crm\",\"at\":\"2026-12-01T10:00:00Z\","
                                + "\"config\":\"abc\",\"by\":\"cli\"}");
        assertThat(OperationRecord.parse(enabled.toJson())).contains(enabled);
    }

    @Test
    void shouldIgnoreUnknownFieldsAndReadNoStateFromAnUnreadableRecordOrATombstone() {
        assertThat(OperationRecord.parse(
                        "{\"type\":\"subscription.failing\",\"subscription\":\"a\",\"at\":\"2026-12-01T10:00:00Z\",\"new\":1}"
                                .getBytes(StandardCharsets.UTF_8)))
                .hasValueSatisfying(r -> assertThat(r.failing()).isTrue());
        assertThat(OperationRecord.parse("not json".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(OperationRecord.parse("{\"type\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(OperationRecord.parse(
                        "{\"type\":\"subscription.disabled\",\"subscription\":\"a\",\"at\":\"yesterday\"}"
                                .getBytes(StandardCharsets.UTF_8)))
                .as("a time that does not parse is caught when read, not when a delivery fails")
                .isEmpty();
        assertThat(OperationRecord.parse(null)).isEmpty();
    }
}
