package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The event's workspace id is read in the same pass as its type, at the pointer tenancy.workspaceField names. */
class WorkspaceFieldTest {
    private static final WorkspaceField TOP = WorkspaceField.of("/workspaceId");

    private static CrmEvent parse(String json, WorkspaceField field) throws CrmEvent.InvalidEventException {
        return CrmEvent.parse(json.getBytes(StandardCharsets.UTF_8), 1 << 20, field);
    }

    @Test
    void shouldReadTheCrmsOwnTopLevelWorkspaceId() throws Exception {
        var event = parse("""
                {"eventName":"person.created","objectMetadata":{"id":"o1","nameSingular":"person"},
                 "workspaceId":"20202020-1c25-4d02-bf25-6aeccf7ea419","webhookId":"w1",
                 "eventDate":"2026-01-01T00:00:00.000Z","record":{"id":"r1","workspaceId":"elsewhere"}}""", TOP);

        assertThat(event.workspaceId()).isEqualTo("20202020-1c25-4d02-bf25-6aeccf7ea419");
    }

    @Test
    void shouldFollowANestedPointerAndIgnoreTheSameNameElsewhere() throws Exception {
        var nested = WorkspaceField.of("/record/tenant~1id");

        var event = parse("""
                {"event":"person.created","workspaceId":"top","record":{"x":{"tenant/id":"no"},"tenant/id":"w7"}}""", nested);

        assertThat(event.workspaceId()).isEqualTo("w7");
    }

    @Test
    void shouldHaveNoWorkspaceWhenTheFieldIsMissingOrNotAString() throws Exception {
        assertThat(parse("{\"event\":\"person.created\"}", TOP).workspaceId()).isNull();
        assertThat(parse("{\"event\":\"person.created\",\"workspaceId\":42}", TOP)
                        .workspaceId())
                .isNull();
        assertThat(parse("{\"event\":\"person.created\",\"workspaceId\":{\"id\":\"w\"}}", TOP)
                        .workspaceId())
                .isNull();
        assertThat(parse("{\"event\":\"person.created\",\"workspaceId\":\"w\"}", WorkspaceField.NONE)
                        .workspaceId())
                .isNull();
    }

    @Test
    void shouldStillRefuseRepeatedNamesOnTheWayToTheWorkspace() {
        var nested = WorkspaceField.of("/record/workspaceId");

        assertThatThrownBy(() -> parse(
                        "{\"event\":\"person.created\",\"record\":{\"workspaceId\":\"a\",\"workspaceId\":\"b\"}}",
                        nested))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.DUPLICATE_KEY));
        assertThatThrownBy(
                        () -> parse("{\"event\":\"person.created\",\"workspaceId\":\"a\",\"workspaceId\":\"b\"}", TOP))
                .isInstanceOf(CrmEvent.InvalidEventException.class);
    }

    @Test
    void shouldRefuseThePointerToTheWholeEvent() {
        assertThatThrownBy(() -> WorkspaceField.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkspaceField.of("workspaceId")).isInstanceOf(IllegalArgumentException.class);
    }
}
