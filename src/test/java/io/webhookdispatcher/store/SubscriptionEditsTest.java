package io.webhookdispatcher.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.store.SubscriptionAdmin.Decision;
import io.webhookdispatcher.store.SubscriptionAdmin.Put;
import io.webhookdispatcher.store.SubscriptionAdmin.Reason;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import io.webhookdispatcher.store.SubscriptionAdmin.Remove;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The writes, decided on the current record exactly as every reader will read what they write. */
class SubscriptionEditsTest {
    private final StoreFixture fixture = new StoreFixture();
    private final SubscriptionEdits edits =
            fixture.edits(List.of(StoreFixture.fileSubscription("from-file", "acme")), 2);

    @Test
    void shouldCreateVersionOneWithItsSecretSealed() {
        Decision d = edits.create(StoreFixture.spec("a", "https://a.example.com/"), "CRM sync")
                .decide(Map.of());

        StoredSubscription created = ((Put) d).record();
        assertThat(created.version()).isEqualTo(1);
        assertThat(created.description()).isEqualTo("CRM sync");
        assertThat(new String(created.toJson(), StandardCharsets.UTF_8))
                .contains("\"secret\":\"enc:v1:k1:")
                .doesNotContain(StoreFixture.SECRET);
    }

    @Test
    void shouldRefuseAnIdOfTheConfigFileOrOneThatExists() {
        assertThat(edits.create(StoreFixture.spec("from-file", "https://a.example.com/"), "")
                        .decide(Map.of()))
                .isInstanceOfSatisfying(
                        Refusal.class, r -> assertThat(r.reason()).isEqualTo(Reason.CONFLICT));
        StoredSubscription a = fixture.created("a", "https://a.example.com/");
        assertThat(edits.create(StoreFixture.spec("a", "https://a.example.com/"), "")
                        .decide(Map.of("a", a)))
                .isEqualTo(Refusal.of(Reason.CONFLICT, "subscription a exists (version 1): update it"));
    }

    @Test
    void shouldRefuseAnInternalDestinationWithTheFilesKeyPath() {
        Decision d = edits.create(StoreFixture.spec("a", "http://169.254.169.254/latest"), "")
                .decide(Map.of());

        assertThat(d).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.reason()).isEqualTo(Reason.INVALID);
            assertThat(r.messages()).singleElement().asString().startsWith("crm.subscriptions: subscriptions[a].url: ");
        });
    }

    @Test
    void shouldCountTheFilesAndTheTopicsSubscriptionsOfAWorkspaceAgainstItsLimit() {
        // given: acme has one subscription in the file and one in the topic, of 2 allowed
        var inTopic = StoreFixture.spec("acme-1", "https://a.example.com/").put("workspaceId", "acme");
        StoredSubscription acme1 = ((Put) edits.create(inTopic, "").decide(Map.of())).record();

        // when: a third
        var third = StoreFixture.spec("acme-2", "https://a.example.com/").put("workspaceId", "acme");
        Decision d = edits.create(third, "").decide(Map.of("acme-1", acme1));

        // then: refused; an update of one of the two is not
        assertThat(d)
                .isEqualTo(Refusal.of(
                        Reason.INVALID,
                        "crm.subscriptions: subscriptions[acme-2].workspaceId: workspace acme has 2 subscriptions"
                                + " already, tenancy.maxSubscriptionsPerWorkspace (2) in all"));
        assertThat(edits.update("acme-1", spec -> {}, Optional.empty(), OptionalLong.empty())
                        .decide(Map.of("acme-1", acme1)))
                .isInstanceOf(Put.class);
    }

    @Test
    void shouldUpdateTheNextVersionKeepingItsIdAndCreationTime() {
        StoredSubscription v1 = fixture.created("a", "https://a.example.com/");
        fixture.clock.advance(Duration.ofMinutes(5));

        Decision d = edits.update(
                        "a",
                        spec -> spec.put("url", "https://moved.example.com/"),
                        Optional.empty(),
                        OptionalLong.of(1))
                .decide(Map.of("a", v1));

        StoredSubscription v2 = ((Put) d).record();
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.id()).isEqualTo("a");
        assertThat(v2.createdAt()).isEqualTo(v1.createdAt());
        assertThat(v2.updatedAt()).isEqualTo(v1.createdAt().plus(Duration.ofMinutes(5)));
        assertThat(fixture.schema.decode(v2))
                .isInstanceOfSatisfying(
                        StoredSchema.Usable.class,
                        u -> assertThat(u.subscription().url()).hasToString("https://moved.example.com/"));
    }

    @Test
    void shouldRefuseAnUpdateOfAnotherVersionThanTheOneRead() {
        StoredSubscription v1 = fixture.created("a", "https://a.example.com/");

        Decision d = edits.update("a", spec -> {}, Optional.empty(), OptionalLong.of(7))
                .decide(Map.of("a", v1));

        assertThat(d)
                .isEqualTo(Refusal.of(
                        Reason.CONFLICT,
                        "subscription a is at version 1, not 7: someone changed it since; get it" + " again"));
    }

    @Test
    void shouldDeleteWithATombstoneAndRefuseAnUnknownId() {
        StoredSubscription v1 = fixture.created("a", "https://a.example.com/");

        assertThat(edits.delete("a", OptionalLong.empty()).decide(Map.of("a", v1)))
                .isEqualTo(new Remove("a"));
        assertThat(edits.delete("a", OptionalLong.empty()).decide(Map.of()))
                .isInstanceOfSatisfying(
                        Refusal.class, r -> assertThat(r.reason()).isEqualTo(Reason.NOT_FOUND));
    }
}
