package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.webhookdispatcher.testkit.DispatcherExtension;
import io.webhookdispatcher.testkit.DispatcherFixture;
import io.webhookdispatcher.testkit.SampleEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Subscriptions change without a restart when the config file changes, as a ConfigMap update does. */
@ExtendWith(DispatcherExtension.class)
class ConfigReloadIT {

    @Test
    void shouldApplyAddedChangedAndRemovedSubscriptionsAndRejectAnInvalidEdit(DispatcherFixture dispatcher)
            throws Exception {
        var receiver = dispatcher.receiver();
        dispatcher
                .with("topics.partitions", 1)
                .with("reload.interval", "200ms")
                .without("retry")
                .without("shutdown");
        var app = dispatcher.subscription("a", "/a", "[\"person.*\"]").startWithReload();
        dispatcher.send("1", SampleEvents.event("person.created", "e1"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/a").size() == 1);

        // when: a subscription is added
        dispatcher.subscription("b", "/b", "[\"*\"]").writeConfig();
        await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "applied") == 1);
        dispatcher.send("2", SampleEvents.event("note.created", "e2"));
        // then
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/b").size() == 1);
        assertThat(receiver.received("/a")).hasSize(1);

        // when: one changes (new URL and filter) and the other is removed
        dispatcher.withoutSubscriptions().subscription("a", "/a2", "[\"*\"]").writeConfig();
        await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "applied") == 2);
        dispatcher.send("3", SampleEvents.event("note.updated", "e3"));
        // then
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/a2").size() == 1);
        assertThat(receiver.received("/b")).hasSize(1);
        assertThat(receiver.received("/a")).hasSize(1);

        // when: an invalid edit arrives
        dispatcher
                .withoutSubscriptions()
                .subscription(Map.of(
                        "id", "a", "url", "not a url", "secret", "secret-a-of-24-bytes-or-more", "events", List.of()))
                .writeConfig();
        await().atMost(Duration.ofSeconds(5)).until(() -> reloads(app, "rejected") == 1);
        dispatcher.send("4", SampleEvents.event("company.created", "e4"));
        // then: the previous config keeps running
        await().atMost(Duration.ofSeconds(10))
                .until(() -> receiver.received("/a2").size() == 2);
        assertThat(reloads(app, "applied")).isEqualTo(2);
        assertThat(app.registry().get("webhook.subscriptions").gauge().value()).isEqualTo(1.0);
    }

    private static double reloads(Application app, String result) {
        var counter = app.registry()
                .find("webhook.config.reloads")
                .tag("result", result)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
