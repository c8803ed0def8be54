package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.event.EventType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** routing.exactOnly: the CRM's exclusion list by default, any list of event types, each checked at load. */
class RoutingConfigTest {
    private static final String SUBSCRIPTIONS = """
            subscriptions:
              - id: all
                url: https://example.com/hooks/all
                secret: ${S}
                events: ["*"]
            """;

    private final ConfigLoader loader = new ConfigLoader(Map.of("S", "s3cr3t-value-of-24-bytes-or-more")::get);

    private static EventType type(String name) {
        return EventType.parse(name).orElseThrow();
    }

    @Test
    void shouldKeepWorkflowRunUpdatedFromTheWildcardsByDefaultAsTheCrmDoes() throws Exception {
        DispatcherConfig config = loader.parse(SUBSCRIPTIONS, "dispatcher.yaml");

        assertThat(config.routing().exactOnly()).containsExactly(type("workflowRun.updated"));
    }

    @Test
    void shouldTakeItsOwnListOfRecordAndMetadataTypesOrNone() throws Exception {
        String own = "routing:\n  exactOnly: [workflowRun.updated, metadata.fieldMetadata.updated]\n" + SUBSCRIPTIONS;
        String none = "routing:\n  exactOnly: []\n" + SUBSCRIPTIONS;

        assertThat(loader.parse(own, "dispatcher.yaml").routing().exactOnly())
                .containsExactly(type("workflowRun.updated"), type("metadata.fieldMetadata.updated"));
        assertThat(loader.parse(none, "dispatcher.yaml").routing().exactOnly()).isEmpty();
    }

    @Test
    void shouldRefuseAnEntryThatIsNoEventTypeNamingIt() {
        String yaml = "routing:\n  exactOnly: [workflowRun.updated, \"workflowRun.*\"]\n" + SUBSCRIPTIONS;

        assertThat(errorsOf(yaml))
                .containsExactly("dispatcher.yaml: routing.exactOnly[1]: 'workflowRun.*' is not an event type such as"
                        + " workflowRun.updated or metadata.fieldMetadata.updated");
    }

    @Test
    void shouldRefuseAnUnknownKeyInTheSection() {
        assertThat(errorsOf("routing:\n  exactonly: []\n" + SUBSCRIPTIONS))
                .singleElement()
                .asString()
                .contains("routing.exactonly");
    }

    private List<String> errorsOf(String yaml) {
        return Rejected.errorsOf(loader, yaml);
    }
}
