package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.event.EventMatching;
import io.webhookdispatcher.event.EventType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An event reaches exactly its workspace's matching subscriptions plus the unscoped ones, in config order. */
class RoutingIndexTest {
    private static final EventType PERSON_CREATED = new EventType("person", "created");

    private static Lane lane(String id, String workspace, String... events) {
        return TestLanes.routed(id, workspace, events);
    }

    private static List<String> ids(List<Lane> lanes) {
        return lanes.stream().map(Lane::id).toList();
    }

    @Test
    void shouldRouteToTheEventsWorkspaceAndTheUnscopedSubscriptionsOnly() {
        var index = new RoutingIndex(
                List.of(
                        lane("all", null, "*"),
                        lane("w1-people", "w1", "person.*"),
                        lane("w2-people", "w2", "person.*"),
                        lane("w1-companies", "w1", "company.*")),
                EventMatching.CRM);

        assertThat(ids(index.matching(PERSON_CREATED, "w1"))).containsExactly("all", "w1-people");
        assertThat(ids(index.matching(PERSON_CREATED, "w2"))).containsExactly("all", "w2-people");
        assertThat(ids(index.matching(PERSON_CREATED, "w3"))).containsExactly("all");
        assertThat(ids(index.matching(PERSON_CREATED, null))).containsExactly("all");
    }

    @Test
    void shouldMatchTheCrmsFourCandidatePatternsEachLaneOnceInConfigOrder() {
        var index = new RoutingIndex(
                List.of(
                        lane("exact", "w", "person.created"),
                        lane("by-action", "w", "*.created"),
                        lane("twice", "w", "person.*", "*.created", "*"),
                        lane("by-object", "w", "person.*"),
                        lane("star-star", "w", "*.*"),
                        lane("other-object", "w", "company.*"),
                        lane("other-action", "w", "*.deleted")),
                EventMatching.CRM);

        assertThat(ids(index.matching(PERSON_CREATED, "w")))
                .containsExactly("exact", "by-action", "twice", "by-object", "star-star");
    }

    @Test
    void shouldFindAWorkspacesLanesWithoutLookingAtTenThousandOthers() {
        // given: 10,000 subscriptions over 5,000 workspaces, and 10,000 unscoped ones each for one object's events
        var lanes = new ArrayList<Lane>();
        for (int i = 0; i < 10_000; i++) {
            lanes.add(lane("s" + i, "w" + (i % 5000), "person.*"));
            lanes.add(lane("u" + i, null, "object" + i + ".created"));
        }
        var index = new RoutingIndex(lanes, EventMatching.CRM);

        // when / then: each event costs its matches (timing lives in the benchmark; here, exactly which lanes)
        assertThat(ids(index.matching(PERSON_CREATED, "w42"))).containsExactly("s42", "s5042");
        assertThat(ids(index.matching(new EventType("object7", "created"), "w42")))
                .containsExactly("u7");
        assertThat(index.workspaces()).isEqualTo(5000);
    }
}
