package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import io.webhookdispatcher.event.EventFilter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** One client per host and TLS settings, kept only while a configured subscription uses it. */
class HostClientsTest {
    private final HostClients clients =
            new HostClients(host -> Executors.newSingleThreadExecutor(), Duration.ofSeconds(1));

    @Test
    void shouldForgetTheClientsOfHostsNoSubscriptionUsesAnyMore() {
        // given: a subscription whose URL moved through 50 hosts (an admin API client changing it)
        for (int i = 0; i < 50; i++) {
            clients.clientFor(URI.create("https://h" + i + ".example.com/hook"), Tls.DEFAULT);
        }
        HostClients.HostClient kept = clients.clientFor(URI.create("https://h49.example.com/other"), Tls.DEFAULT);
        assertThat(clients.size()).isEqualTo(50);

        // when: the subscriptions now use only the last host
        clients.retain(List.of(subscription("https://H49.example.com/hook")));

        // then: one client left, the one its endpoint holds
        assertThat(clients.size()).isEqualTo(1);
        assertThat(clients.clientFor(URI.create("https://h49.example.com/x"), Tls.DEFAULT))
                .isSameAs(kept);
    }

    private static Subscription subscription(String url) {
        return new Subscription(
                "s",
                URI.create(url),
                new Secret("a-secret-of-24-bytes-or-more"),
                List.of(EventFilter.parse("*")),
                true);
    }
}
