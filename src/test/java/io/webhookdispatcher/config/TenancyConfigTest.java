package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** subscriptions[].workspaceId and the tenancy section: defaults, validation, the per-workspace limit. */
class TenancyConfigTest {
    private final ConfigLoader loader = new ConfigLoader(Map.of("S", "s3cr3t-value-of-24-bytes-or-more")::get);

    private static String subscription(String id, String workspace) {
        return """
                  - id: %s
                    workspaceId: %s
                    url: https://example.com/hooks/%s
                    secret: ${S}
                    events: ["*"]
                """.formatted(id, workspace, id);
    }

    private List<String> errorsOf(String yaml) {
        return Rejected.errorsOf(loader, yaml);
    }

    @Test
    void shouldScopeASubscriptionToItsWorkspaceAndDefaultToTheCrmsField() throws Exception {
        DispatcherConfig config = loader.parse("subscriptions:\n" + subscription("a", "w1"), "dispatcher.yaml");

        assertThat(config.subscriptions().get(0).workspaceId()).contains("w1");
        assertThat(config.tenancy()).isEqualTo(DispatcherConfig.Tenancy.DEFAULTS);
    }

    @Test
    void shouldRefuseMoreSubscriptionsThanAWorkspaceMayHaveNamingTheWorkspace() {
        // given: 21 subscriptions of one workspace (the limit is 20) and 20 of another
        String yaml = "subscriptions:\n"
                + IntStream.range(0, 21)
                        .mapToObj(i -> subscription("a" + i, "crowded"))
                        .collect(Collectors.joining())
                + IntStream.range(0, 20)
                        .mapToObj(i -> subscription("b" + i, "full"))
                        .collect(Collectors.joining());

        // then: one error, for the crowded workspace only
        assertThat(errorsOf(yaml))
                .containsExactly("dispatcher.yaml: subscriptions: workspace crowded has 21 subscriptions, more than"
                        + " tenancy.maxSubscriptionsPerWorkspace (20)");
    }

    @Test
    void shouldTakeItsOwnLimitAndPointer() throws Exception {
        String yaml = "tenancy:\n  workspaceField: /record/tenant\n  maxSubscriptionsPerWorkspace: 1\nsubscriptions:\n"
                + subscription("a", "w1") + subscription("b", "w2");

        DispatcherConfig config = loader.parse(yaml, "dispatcher.yaml");

        assertThat(config.tenancy()).isEqualTo(new DispatcherConfig.Tenancy("/record/tenant", 1, 64));
        assertThat(config.subscriptions())
                .extracting(s -> s.workspaceId())
                .containsExactly(Optional.of("w1"), Optional.of("w2"));
    }

    @Test
    void shouldRefuseABadPointerAndABadWorkspaceId() {
        assertThat(errorsOf("tenancy:\n  workspaceField: workspaceId\nsubscriptions:\n" + subscription("a", "w")))
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: tenancy.workspaceField: is not a JSON pointer (RFC 6901)");
        assertThat(errorsOf("subscriptions:\n" + subscription("a", "'has space'")))
                .containsExactly("dispatcher.yaml: subscriptions[a].workspaceId: must be 1 to 128 printable ASCII"
                        + " characters without spaces");
    }
}
