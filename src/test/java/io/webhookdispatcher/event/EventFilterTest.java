package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventFilterTest {

    /** As the CRM matches, without the exclusion list (a search such as {@code replay --event} finds every type). */
    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "*,              person.created,      true",
        "*.*,            workflowRun.updated, true",
        "person.*,       person.deleted,      true",
        "person.*,       company.created,     false",
        "*.created,      note.created,        true",
        "*.created,      note.updated,        false",
        "person.created, person.created,      true",
        "person.created, person.updated,      false",
        "person.created, Person.created,      false",
        "workflowRun.*,  workflowRun.updated, true",
        "*,                        metadata.fieldMetadata.created, true",
        "*.created,                metadata.fieldMetadata.created, false",
        "metadata.*.*,             metadata.objectMetadata.deleted, true",
        "metadata.*.deleted,       metadata.objectMetadata.deleted, true",
        "metadata.*.deleted,       metadata.objectMetadata.updated, false",
        "metadata.fieldMetadata.*, metadata.objectMetadata.deleted, false",
        "metadata.*.*,             person.created,                  false",
    })
    void shouldMatchObjectAndActionExactlyOrByWildcard(String pattern, String eventType, boolean expected) {
        EventFilter filter = EventFilter.parse(pattern);
        EventType type = EventType.parse(eventType).orElseThrow();

        assertThat(filter.matches(type)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "person",
                "person.",
                ".created",
                "a.b.c",
                "**",
                "per*son.created",
                "person.cre ated",
                "*.*.*",
                "Metadata.a.b",
                "metadata..b",
                "metadata.a.b.c"
            })
    void shouldRejectMalformedPatterns(String pattern) {
        assertThatThrownBy(() -> EventFilter.parse(pattern)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNameATypeOnlyWithoutWildcards() {
        assertThat(EventFilter.parse("person.created").exactType()).contains("person.created");
        assertThat(EventFilter.parse("person.*").exactType()).isEmpty();
        assertThat(EventFilter.parse("*.created").exactType()).isEmpty();
        assertThat(EventFilter.parse("*").exactType()).isEmpty();
        assertThat(EventFilter.parse("metadata.fieldMetadata.created").exactType())
                .contains("metadata.fieldMetadata.created");
        assertThat(EventFilter.parse("metadata.*.created").exactType()).isEmpty();
    }

    @Test
    void shouldWriteStarAsStarStarForTheIndexAndAsWrittenForPeople() {
        assertThat(EventFilter.parse("*").key()).isEqualTo("*.*");
        assertThat(EventFilter.parse("*")).hasToString("*");
        assertThat(EventFilter.parse("metadata.*.*").key()).isEqualTo("metadata.*.*");
    }
}
