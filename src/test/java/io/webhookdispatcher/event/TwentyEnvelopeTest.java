package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.testkit.TwentyCorpus;
import io.webhookdispatcher.testkit.TwentyCorpus.Example;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The CRM's real webhook bodies (the corpus) are read as the CRM means them: type, time, workspace and record. */
class TwentyEnvelopeTest {
    private static final int MAX_EVENT_BYTES = 1 << 20; // delivery.maxEventBytes' default
    private static final WorkspaceField WORKSPACE = WorkspaceField.of("/workspaceId");
    private static final String WORKSPACE_ID = "20202020-1c25-4d02-bf25-6aeccf7ea419";

    static List<Example> corpus() {
        return TwentyCorpus.all();
    }

    private static CrmEvent parse(byte[] body) throws CrmEvent.InvalidEventException {
        return CrmEvent.parse(body, MAX_EVENT_BYTES, WORKSPACE);
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static PayloadFilter.Verdict filter(String expression, byte[] body) throws Exception {
        return PayloadFilter.compile(expression).test(EventVariables.of(body, parse(body)));
    }

    @Test
    void shouldHoldRecordEventsOfAllFiveActionsAndMetadataEventsOfAllThree() {
        assertThat(corpus().stream().map(Example::eventName))
                .contains(
                        "person.created",
                        "person.updated",
                        "person.deleted",
                        "person.destroyed",
                        "person.restored",
                        "petOwner.created",
                        "workflowRun.updated",
                        "metadata.fieldMetadata.created",
                        "metadata.objectMetadata.updated",
                        "metadata.fieldMetadata.deleted");
        assertThat(TwentyCorpus.get("note.created--large").body().length).isBetween(450 << 10, 550 << 10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void shouldReadEveryEventTheCrmSendsWithItsTypeTimeAndWorkspace(Example example) throws Exception {
        CrmEvent event = parse(example.body());

        assertThat(event.type().toString()).isEqualTo(example.eventName());
        assertThat(event.type().metadata()).isEqualTo(example.metadata());
        assertThat(event.occurredAt()).isAfter(Instant.parse("2025-11-01T00:00:00Z"));
        assertThat(event.workspaceId()).isEqualTo(WORKSPACE_ID);
    }

    @Test
    void shouldTakeEventNameAsTheTypeOfAMetadataEventWhoseEventIsAnObject() throws Exception {
        CrmEvent event =
                parse(TwentyCorpus.get("metadata.fieldMetadata.created").body());

        assertThat(event.type()).isEqualTo(new EventType("metadata.fieldMetadata", "created"));
    }

    @Test
    void shouldTakeEventNameAsTheTypeWhateverOrderTheTwoFieldsComeIn() throws Exception {
        String change = "{\"metadataName\":\"fieldMetadata\",\"properties\":{\"after\":{\"name\":\"x\"}}}";

        assertThat(parse(json("{\"event\":" + change + ",\"eventName\":\"metadata.fieldMetadata.created\"}"))
                        .type())
                .hasToString("metadata.fieldMetadata.created");
        assertThat(parse(json("{\"eventName\":\"metadata.fieldMetadata.created\",\"event\":" + change + "}"))
                        .type())
                .hasToString("metadata.fieldMetadata.created");
    }

    @Test
    void shouldStillRefuseTwoStringTypeNamesThatDisagreeButAcceptTwoThatAgree() throws Exception {
        assertThatThrownBy(() -> parse(json("{\"eventName\":\"person.created\",\"event\":\"apiKey.deleted\"}")))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.DUPLICATE_KEY));
        assertThat(parse(json("{\"event\":\"person.created\",\"eventName\":\"person.created\"}"))
                        .type())
                .hasToString("person.created");
    }

    @Test
    void shouldStillReadTheDocsShape() throws Exception {
        byte[] docs = json("{\"event\":\"metadata.fieldMetadata.deleted\",\"data\":{\"name\":\"nickname\"},"
                + "\"timestamp\":\"2025-02-10T15:30:50Z\"}");

        assertThat(parse(docs).type()).hasToString("metadata.fieldMetadata.deleted");
        assertThat(filter("data.name == 'nickname'", docs)).isEqualTo(PayloadFilter.Verdict.MATCH);
    }

    @Test
    void shouldLetAFilterSeeTheRecordOfARecordEventAsData() throws Exception {
        byte[] updated = TwentyCorpus.get("person.updated").body();

        assertThat(filter("data.name.firstName == 'Augusta Ada' && 'name' in payload.updatedFields", updated))
                .isEqualTo(PayloadFilter.Verdict.MATCH);
        assertThat(filter(
                        "data.title.contains('Hà Nội 🇻🇳')",
                        TwentyCorpus.get("note.created--unicode").body()))
                .isEqualTo(PayloadFilter.Verdict.MATCH);
    }

    @Test
    void shouldLetAFilterSeeAMetadataEventsItemAfterTheChangeAsData() throws Exception {
        byte[] updated = TwentyCorpus.get("metadata.objectMetadata.updated").body();

        assertThat(filter(
                        "data.labelSingular == 'Pet parent' && payload.event.properties.before.labelSingular"
                                + " == 'Pet owner'",
                        updated))
                .isEqualTo(PayloadFilter.Verdict.MATCH);
        assertThat(filter(
                        "data.isCustom && event == 'metadata.fieldMetadata.created'",
                        TwentyCorpus.get("metadata.fieldMetadata.created").body()))
                .isEqualTo(PayloadFilter.Verdict.MATCH);
    }

    @Test
    void shouldLetAFilterSeeADeletedMetadataItemBeforeTheChangeAsData() throws Exception {
        byte[] deleted = TwentyCorpus.get("metadata.fieldMetadata.deleted").body();

        assertThat(filter("data.name == 'nickname'", deleted)).isEqualTo(PayloadFilter.Verdict.MATCH);
    }

    @Test
    void shouldLeaveDataUnboundForAMetadataEventWithoutProperties() throws Exception {
        byte[] bare = json("{\"eventName\":\"metadata.fieldMetadata.created\",\"event\":{\"metadataName\":\"x\"}}");

        Map<String, Object> variables = EventVariables.of(bare, parse(bare));

        assertThat(variables).doesNotContainKey("data").containsEntry("event", "metadata.fieldMetadata.created");
    }
}
