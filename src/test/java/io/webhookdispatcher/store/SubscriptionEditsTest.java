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
                        Reason.VERSION_MISMATCH,
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

    @Test
    void shouldAnswerARetriedCreateWithWhatTheFirstCreatedAndRefuseTheKeyWithAnotherRequest() {
        var key = new StoredSubscription.Idempotency("k-1", "digest-of-body");
        var first = ((Put) edits.create(StoreFixture.spec("a", "https://a.example.com/"), "", Optional.of(key))
                        .decide(Map.of()))
                .record();

        // when: the same key again, with another generated id (the API generates one per request)
        Decision again = edits.create(StoreFixture.spec("b", "https://a.example.com/"), "", Optional.of(key))
                .decide(Map.of("a", first));
        Decision other = edits.create(
                        StoreFixture.spec("c", "https://a.example.com/"),
                        "",
                        Optional.of(new StoredSubscription.Idempotency("k-1", "another-body")))
                .decide(Map.of("a", first));

        // then
        assertThat(again).isEqualTo(new SubscriptionAdmin.Existing(first));
        assertThat(other)
                .isInstanceOfSatisfying(
                        Refusal.class, r -> assertThat(r.reason()).isEqualTo(Reason.KEY_REUSED));
        assertThat(StoredSubscription.parse("a", first.toJson()).idempotency()).contains(key);
    }

    @Test
    void shouldRotateWithTheNewSecretFirstAndThePreviousOnesUntilTheOverlapEnds() {
        StoredSubscription v1 = fixture.created("a", "https://a.example.com/");
        String next = "whsec_" + SecretCipherTest.key(8);

        StoredSubscription v2 = ((Put) edits.rotate("a", next, java.time.Duration.ofHours(1), OptionalLong.of(1))
                        .decide(Map.of("a", v1)))
                .record();
        StoredSubscription v3 = ((Put) edits.rotate("a", next, java.time.Duration.ZERO, OptionalLong.empty())
                        .decide(Map.of("a", v1)))
                .record();

        // then: both sign for an hour, new first; an overlap of 0 keeps only the new one
        var signing =
                ((StoredSchema.Usable) fixture.schema.decode(v2)).subscription().signing();
        assertThat(signing.secrets()).hasSize(2);
        assertThat(signing.current().keyBytes()).isNotEqualTo(StoreFixture.SECRET.getBytes(StandardCharsets.UTF_8));
        assertThat(v2.previousSecretsUntil()).contains(fixture.clock.instant().plus(java.time.Duration.ofHours(1)));
        assertThat(((StoredSchema.Usable) fixture.schema.decode(v3))
                        .subscription()
                        .signing()
                        .secrets())
                .hasSize(1);

        // when: the overlap is over
        fixture.clock.advance(java.time.Duration.ofHours(1));

        // then: every reader drops the previous one
        assertThat(((StoredSchema.Usable) fixture.schema.decode(v2))
                        .subscription()
                        .signing()
                        .secrets())
                .hasSize(1);
    }

    @Test
    void shouldRefuseAFilterWhoseCostMultipliesOnEveryEvent() {
        var nested = StoreFixture.spec("a", "https://a.example.com/")
                .put("filter", "[1,2,3].all(x, [1,2,3].all(y, [1,2,3].all(z, x + y + z > 0)))");
        var one = StoreFixture.spec("b", "https://a.example.com/").put("filter", "data.tags.exists(t, t == 'vip')");

        assertThat(edits.create(nested, "").decide(Map.of()))
                .isInstanceOfSatisfying(
                        Refusal.class,
                        r -> assertThat(r.messages())
                                .singleElement()
                                .asString()
                                .contains("subscriptions[a].filter: at most one macro"));
        assertThat(edits.create(one, "").decide(Map.of())).isInstanceOf(Put.class);
    }
}
