package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CrmEventTest {

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReadTheDocumentedShape() throws Exception {
        CrmEvent event = CrmEvent.parse(json("""
                {"event": "person.created", "data": {"id": "abc12345", "tags": ["a", {"b": 1}]},
                 "timestamp": "2025-02-10T15:30:50Z", "extra": null}"""), 1 << 20);

        assertThat(event.type()).isEqualTo(new EventType("person", "created"));
        assertThat(event.occurredAt()).isEqualTo(Instant.parse("2025-02-10T15:30:50Z"));
    }

    @Test
    void shouldAcceptTheCrmNativeFieldNames() throws Exception {
        CrmEvent event = CrmEvent.parse(json("""
                {"eventName": "workflowRun.updated", "record": {"id": "1"}, "eventDate": "2025-02-10T15:30:50.123Z"}"""), 1 << 20);

        assertThat(event.type()).isEqualTo(new EventType("workflowRun", "updated"));
        assertThat(event.occurredAt()).isEqualTo(Instant.parse("2025-02-10T15:30:50.123Z"));
    }

    @Test
    void shouldToleratAMissingOrUnparseableTimestamp() throws Exception {
        assertThat(CrmEvent.parse(json("{\"event\":\"note.deleted\"}"), 100).occurredAt())
                .isNull();
        assertThat(CrmEvent.parse(json("{\"event\":\"note.deleted\",\"timestamp\":\"yesterday\"}"), 100)
                        .occurredAt())
                .isNull();
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not json at all                       | invalid-json",
                "{\"event\": \"person.created\"        | invalid-json",
                "{\"event\": \"person.created\"} extra | invalid-json",
                "[1, 2, 3]                             | not-an-object",
                "\"person.created\"                    | not-an-object",
                "{\"data\": {}}                        | missing-event-type",
                "{\"event\": 42}                       | missing-event-type",
                "{\"event\": \"\"}                     | missing-event-type",
                "{\"event\": \"person\"}               | invalid-event-type",
                "{\"event\": \"person.created.now\"}   | invalid-event-type",
                "{\"event\":\"person.created\",\"event\":\"apiKey.deleted\"} | duplicate-key",
                "{\"event\":\"person.created\",\"data\":{\"id\":1,\"id\":2}} | duplicate-key",
                "{\"event\":\"person.created\",\"data\":[{\"a\":{\"b\":1,\"b\":2}}]} | duplicate-key",
                "{\"eventName\":\"a.b\",\"timestamp\":\"x\",\"timestamp\":\"y\",\"event\":\"c.d\"} | duplicate-key",
                "{\"eventName\":\"person.created\",\"event\":\"apiKey.deleted\"} | duplicate-key",
                "{\"event\":\"person.created\",\"eventName\":42} | duplicate-key",
                "{\"event\":[\"person.created\"],\"eventName\":\"person.created\"} | duplicate-key",
                "{\"event\":{\"x\":1}}                  | missing-event-type",
                "{\"event\":{\"x\":1},\"eventName\":42} | missing-event-type",
                "{\"event\":{\"x\":1,\"x\":2},\"eventName\":\"a.b\"} | duplicate-key",
                "{\"eventName\": \"metadata.a.b.c\"}   | invalid-event-type",
                "{\"eventName\": \"metadata..created\"} | invalid-event-type",
                "{\"eventName\": \"data.person.created\"} | invalid-event-type",
                "{\"event\":\"a.b\",\"timestamp\":\"x\",\"eventDate\":\"y\"} | duplicate-key",
                // a repeated name right before a syntax error: the parser reads on to the value first
                "{\"event\":\"a.b\",\"b\":1,\"b\":                     | invalid-json",
            })
    void shouldClassifyUnusableInput(String value, String reason) {
        assertThatThrownBy(() -> CrmEvent.parse(json(value.trim()), 1 << 20))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind().reason).isEqualTo(reason));
    }

    @Test
    void shouldRejectValuesOverTheSizeLimitWithoutParsingThem() {
        byte[] value = json("{\"event\":\"person.created\",\"data\":\"" + "x".repeat(200) + "\"}");

        assertThatThrownBy(() -> CrmEvent.parse(value, 100))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.TOO_LARGE));
    }

    @Test
    void shouldRejectARepeatedNameInALargeObjectToo() {
        var fields = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            fields.append("\"f").append(i).append("\":").append(i).append(',');
        }
        String large = "{\"event\":\"person.created\",\"data\":{" + fields;

        assertThatThrownBy(() -> CrmEvent.parse(json(large + "\"f3\":0}}"), 1 << 20))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("Duplicate field 'f3'"));
        assertThatThrownBy(() -> CrmEvent.parse(json(large + "\"f39\":0}}"), 1 << 20))
                .isInstanceOf(CrmEvent.InvalidEventException.class);
    }

    @Test
    void shouldAllowTheSameNameInDifferentObjects() throws Exception {
        var fields = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            fields.append("\"f").append(i).append("\":").append(i).append(i < 39 ? "," : "");
        }
        String object = "{" + fields + "}";

        CrmEvent event = CrmEvent.parse(
                json("{\"event\":\"person.created\",\"data\":{\"event\":1,\"list\":[" + object + "," + object
                        + ",{\"list\":{\"list\":[]}}],\"nested\":" + object + "}}"),
                1 << 20);

        assertThat(event.type()).isEqualTo(new EventType("person", "created"));
    }

    @Test
    void shouldRejectNestingDeeperThanTheParserAllowsWithoutOverflowingTheStack() {
        String deep = "[".repeat(100_000);

        assertThatThrownBy(() -> CrmEvent.parse(json("{\"event\":\"a.b\",\"data\":" + deep), 1 << 20))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.INVALID_JSON));
    }

    @Test
    void shouldNameTheRepeatedFieldOfADuplicateKey() {
        assertThatThrownBy(
                        () -> CrmEvent.parse(json("{\"event\":\"person.created\",\"event\":\"apiKey.deleted\"}"), 100))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.getMessage()).startsWith("Duplicate field 'event'"));
    }
}
