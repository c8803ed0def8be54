package io.webhookdispatcher.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.store.SubscriptionAdmin.Decision;
import io.webhookdispatcher.store.SubscriptionAdmin.Put;
import io.webhookdispatcher.store.SubscriptionAdmin.Reason;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import io.webhookdispatcher.store.SubscriptionAdmin.Remove;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The writes, decided on the current record exactly as every reader will read what they write. */
class SubscriptionEditsTest {
    private final StoreFixture fixture = new StoreFixture();
    private final SubscriptionEdits edits = fixture.edits(Set.of("from-file"));

    @Test
    void shouldCreateVersionOneWithItsSecretSealed() {
        Decision d = edits.create(StoreFixture.spec("a", "https://a.example.com/"), "CRM sync")
                .decide(Optional.empty());

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
                        .decide(Optional.empty()))
                .isInstanceOfSatisfying(
                        Refusal.class, r -> assertThat(r.reason()).isEqualTo(Reason.CONFLICT));
        StoredSubscription a = fixture.created("a", "https://a.example.com/");
        assertThat(edits.create(StoreFixture.spec("a", "https://a.example.com/"), "")
                        .decide(Optional.of(a)))
                .isEqualTo(Refusal.of(Reason.CONFLICT, "subscription a exists (version 1): update it"));
    }

    @Test
    void shouldRefuseAnInternalDestinationWithTheFilesKeyPath() {
        Decision d = edits.create(StoreFixture.spec("a", "http://169.254.169.254/latest"), "")
                .decide(Optional.empty());

        assertThat(d).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.reason()).isEqualTo(Reason.INVALID);
            assertThat(r.messages()).singleElement().asString().startsWith("crm.subscriptions: subscriptions[a].url: ");
        });
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
                .decide(Optional.of(v1));

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
                .decide(Optional.of(v1));

        assertThat(d)
                .isEqualTo(Refusal.of(
                        Reason.CONFLICT,
                        "subscription a is at version 1, not 7: someone changed it since; get it" + " again"));
    }

    @Test
    void shouldDeleteWithATombstoneAndRefuseAnUnknownId() {
        StoredSubscription v1 = fixture.created("a", "https://a.example.com/");

        assertThat(edits.delete("a", OptionalLong.empty()).decide(Optional.of(v1)))
                .isEqualTo(new Remove("a"));
        assertThat(edits.delete("a", OptionalLong.empty()).decide(Optional.empty()))
                .isInstanceOfSatisfying(
                        Refusal.class, r -> assertThat(r.reason()).isEqualTo(Reason.NOT_FOUND));
    }
}
