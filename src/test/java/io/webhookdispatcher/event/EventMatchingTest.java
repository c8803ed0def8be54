package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CRM's matching rules: an event type's candidate patterns, and the exclusion list. */
class EventMatchingTest {
    private static EventType type(String name) {
        return EventType.parse(name).orElseThrow();
    }

    @Test
    void shouldOfferARecordEventItsFourCandidatesMostSpecificFirst() {
        assertThat(EventMatching.CRM.candidates(type("person.created")))
                .containsExactly("person.created", "*.created", "person.*", "*.*");
    }

    @Test
    void shouldOfferAMetadataEventItsFiveMetadataCandidatesAndStarStarButNotStarAction() {
        assertThat(EventMatching.CRM.candidates(type("metadata.fieldMetadata.created")))
                .containsExactly(
                        "metadata.fieldMetadata.created",
                        "metadata.fieldMetadata.*",
                        "metadata.*.created",
                        "metadata.*.*",
                        "*.*");
    }

    @Test
    void shouldOfferAnExcludedTypeOnlyItsOwnName() {
        assertThat(EventMatching.CRM.candidates(type("workflowRun.updated"))).containsExactly("workflowRun.updated");
        assertThat(EventMatching.CRM.candidates(type("workflowRun.created")))
                .containsExactly("workflowRun.created", "*.created", "workflowRun.*", "*.*");
    }

    @Test
    void shouldTakeAnyExclusionListAndAnEmptyOne() {
        var own = new EventMatching(List.of(type("metadata.fieldMetadata.updated")));
        var none = new EventMatching(List.of());

        assertThat(own.candidates(type("metadata.fieldMetadata.updated")))
                .containsExactly("metadata.fieldMetadata.updated");
        assertThat(own.candidates(type("workflowRun.updated"))).hasSize(4);
        assertThat(none.matches(EventFilter.parse("*"), type("workflowRun.updated")))
                .isTrue();
    }

    @ParameterizedTest(name = "{0} gets {1}: {2}")
    @CsvSource({
        "*,                              workflowRun.updated,            false",
        "*.updated,                      workflowRun.updated,            false",
        "workflowRun.*,                  workflowRun.updated,            false",
        "workflowRun.updated,            workflowRun.updated,            true",
        "*,                              metadata.fieldMetadata.created, true",
        "*.created,                      metadata.fieldMetadata.created, false",
        "metadata.*.*,                   metadata.fieldMetadata.created, true",
        "metadata.*.created,             metadata.fieldMetadata.created, true",
        "metadata.fieldMetadata.*,       metadata.fieldMetadata.created, true",
        "metadata.objectMetadata.*,      metadata.fieldMetadata.created, false",
        "metadata.*.*,                   person.created,                 false",
        "metadata.*,                     metadata.fieldMetadata.created, false",
    })
    void shouldDecideAsTheCrmDoes(String pattern, String eventType, boolean expected) {
        assertThat(EventMatching.CRM.matches(EventFilter.parse(pattern), type(eventType)))
                .isEqualTo(expected);
    }
}
