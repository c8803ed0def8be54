package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.event.CrmEvent;
import io.webhookdispatcher.event.EventMatching;
import io.webhookdispatcher.event.EventType;
import io.webhookdispatcher.event.WorkspaceField;
import io.webhookdispatcher.testkit.TwentyCorpus;
import io.webhookdispatcher.testkit.TwentyCorpus.Example;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRM's real events (the corpus) routed by the index to subscriptions written as its webhooks' operations: each
 * reaches exactly the subscriptions the CRM itself would send it to.
 */
class TwentyRoutingTest {
    private static final String WORKSPACE = "20202020-1c25-4d02-bf25-6aeccf7ea419";

    /** One subscription per way of writing a webhook's operations, unscoped unless named {@code ws-…}. */
    private static final List<Lane> LANES = List.of(
            lane("star", null, "*"),
            lane("star-star", null, "*.*"),
            lane("created", null, "*.created"),
            lane("updated", null, "*.updated"),
            lane("deleted", null, "*.deleted"),
            lane("destroyed", null, "*.destroyed"),
            lane("restored", null, "*.restored"),
            lane("people", null, "person.*"),
            lane("pet-owners", null, "petOwner.*"),
            lane("workflow-runs", null, "workflowRun.*"),
            lane("workflow-run-updates", null, "workflowRun.updated"),
            lane("metadata", null, "metadata.*.*"),
            lane("metadata-created", null, "metadata.*.created"),
            lane("field-metadata", null, "metadata.fieldMetadata.*"),
            lane("object-metadata-updates", null, "metadata.objectMetadata.updated"),
            lane("ws-all", WORKSPACE, "*.*"),
            lane("ws-runs", WORKSPACE, "workflowRun.*"),
            lane("other-ws-all", "another-workspace", "*.*"));

    private static final RoutingIndex CRM = new RoutingIndex(LANES, EventMatching.CRM);

    private static Lane lane(String id, String workspace, String... events) {
        return TestLanes.routed(id, workspace, events);
    }

    /** Who gets the corpus event {@code name}, parsed as the fan-out parses it. */
    private static List<String> recipients(RoutingIndex index, String name) throws Exception {
        CrmEvent event = CrmEvent.parse(TwentyCorpus.get(name).body(), 1 << 20, WorkspaceField.of("/workspaceId"));
        return index.matching(event.type(), event.workspaceId()).stream()
                .map(Lane::id)
                .toList();
    }

    static List<Example> metadataEvents() {
        return TwentyCorpus.all().stream().filter(Example::metadata).toList();
    }

    @Test
    void shouldSendARecordEventToItsFourCandidatePatternsInItsWorkspace() throws Exception {
        assertThat(recipients(CRM, "person.created"))
                .containsExactly("star", "star-star", "created", "people", "ws-all");
        assertThat(recipients(CRM, "person.updated"))
                .containsExactly("star", "star-star", "updated", "people", "ws-all");
    }

    @Test
    void shouldSendEachOfTheFiveActionsToItsOwnActionPattern() throws Exception {
        for (String action : List.of("created", "updated", "deleted", "destroyed", "restored")) {
            assertThat(recipients(CRM, "person." + action))
                    .as(action)
                    .contains(action)
                    .containsAll(List.of("star", "star-star", "people", "ws-all"))
                    .hasSize(5);
        }
    }

    @Test
    void shouldRouteACustomObjectsEventsLikeAnyOthers() throws Exception {
        assertThat(recipients(CRM, "petOwner.created"))
                .containsExactly("star", "star-star", "created", "pet-owners", "ws-all");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("metadataEvents")
    void shouldSendMetadataEventsToStarStarAndMetadataStarStarButNotToStarAction(Example example) throws Exception {
        assertThat(recipients(CRM, example.name()))
                .contains("star", "star-star", "metadata", "ws-all")
                .doesNotContain("created", "updated", "deleted", "people", "other-ws-all");
    }

    @Test
    void shouldSendMetadataEventsToTheirNameAndActionPatterns() throws Exception {
        assertThat(recipients(CRM, "metadata.fieldMetadata.created"))
                .containsExactly("star", "star-star", "metadata", "metadata-created", "field-metadata", "ws-all");
        assertThat(recipients(CRM, "metadata.objectMetadata.updated"))
                .containsExactly("star", "star-star", "metadata", "object-metadata-updates", "ws-all");
        assertThat(recipients(CRM, "metadata.fieldMetadata.deleted"))
                .containsExactly("star", "star-star", "metadata", "field-metadata", "ws-all");
    }

    @Test
    void shouldSendWorkflowRunUpdatedOnlyToASubscriptionNamingIt() throws Exception {
        assertThat(recipients(CRM, "workflowRun.updated")).containsExactly("workflow-run-updates");
    }

    @Test
    void shouldSendTheOtherWorkflowRunEventsToTheWildcardsAsUsual() throws Exception {
        assertThat(recipients(CRM, "workflowRun.created"))
                .containsExactly("star", "star-star", "created", "workflow-runs", "ws-all", "ws-runs");
    }

    @Test
    void shouldSendWorkflowRunUpdatedToTheWildcardsWhenTheExclusionListIsEmptied() throws Exception {
        var noExclusions = new RoutingIndex(LANES, new EventMatching(List.of()));

        assertThat(recipients(noExclusions, "workflowRun.updated"))
                .containsExactly(
                        "star", "star-star", "updated", "workflow-runs", "workflow-run-updates", "ws-all", "ws-runs");
    }

    @Test
    void shouldExcludeWhateverTypesTheListNames() throws Exception {
        var own = new RoutingIndex(
                LANES,
                new EventMatching(List.of(
                        EventType.parse("metadata.objectMetadata.updated").orElseThrow())));

        assertThat(recipients(own, "metadata.objectMetadata.updated")).containsExactly("object-metadata-updates");
        assertThat(recipients(own, "workflowRun.updated")).hasSize(7);
    }

    @Test
    void shouldRouteTheUnicodeAndTheLargeEventByTheirType() throws Exception {
        assertThat(recipients(CRM, "note.created--unicode")).containsExactly("star", "star-star", "created", "ws-all");
        assertThat(recipients(CRM, "note.created--large")).isEqualTo(recipients(CRM, "note.created--unicode"));
    }
}
