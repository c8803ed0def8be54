package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.event.EventFilter;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** URLs in logs: tokens travel in the path (Slack, Zapier, webhook.site), the query and the user-info. */
class SubscriptionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "https://hooks.slack.com/services/T0001/B0001/XXXXsecretXXXX | https://hooks.slack.com/services/…",
                "https://hooks.zapier.com/hooks/catch/123456/abcdef/       | https://hooks.zapier.com/hooks/…",
                "https://webhook.site/0d9e0d68-6c4b-4c3e-9d7a-1b2f3e4d5c6a  | https://webhook.site/…",
                "https://example.com/tok3n123/crm                          | https://example.com/…",
                "https://example.com/hooks/crm?token=abc#frag              | https://example.com/hooks/…",
                "https://user:pass@example.com:8443/                       | https://example.com:8443/",
                "http://[::1]:9000                                         | http://[::1]:9000",
                "http://example.com?token=abc                              | http://example.com/…",
            })
    void shouldKeepOnlySchemeHostPortAndAPlainFirstSegment(String url, String shown) {
        assertThat(Subscription.redact(URI.create(url))).isEqualTo(shown);
        assertThat(Subscription.redactText(url)).isEqualTo(shown);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ftp://user:pw@files.example.com/drop/s3cret | ftp://files.example.com/drop/…",
                "hooks.slack.com/services/T0/B0/XXXX         | hooks.slack.com/…",
                "https://exa mple.com/services/T0/B0/XXXX    | https://exa mple.com/…",
            })
    void shouldRedactTextThatIsNotAUsableUrl(String text, String shown) {
        assertThat(Subscription.redactText(text)).isEqualTo(shown);
    }

    @Test
    void shouldNotShowThePathTokenInToString() {
        var s = new Subscription(
                "slack",
                URI.create("https://hooks.slack.com/services/T0001/B0001/XXXXsecretXXXX"),
                new Secret("whsec-0123456789"),
                List.of(EventFilter.parse("*")),
                true);

        assertThat(s.toString())
                .contains("url=https://hooks.slack.com/services/…")
                .doesNotContain("T0001", "XXXXsecretXXXX", "whsec-0123456789");
    }
}
