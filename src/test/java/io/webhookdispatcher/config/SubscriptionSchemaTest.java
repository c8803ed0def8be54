package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.DestinationGuard;
import io.webhookdispatcher.dispatch.Secret;
import io.webhookdispatcher.dispatch.Signing;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.Tls;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A subscription read from JSON (a topic record, an API body) is validated as the config file's, key for key. */
class SubscriptionSchemaTest {
    private static final String SECRET = "s3cr3t-value-of-24-bytes-or-more";
    private static final String API = "POST /v1/subscriptions";

    private final Map<String, String> env = Map.of("CRM_SECRET", SECRET);
    private final SubscriptionSchema schema = new SubscriptionSchema(
            env::get,
            new SubscriptionSchema.Defaults(
                    DestinationGuard.DEFAULTS,
                    64,
                    CircuitBreaker.Settings.DEFAULTS,
                    Tls.DEFAULT,
                    Optional.of(Duration.ofDays(5))));

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }

    @Test
    void shouldReadASubscriptionFromJsonWithTheDefaultsItIsGiven() throws Exception {
        // when
        Subscription subscription = schema.parse(json("""
                        {"id": "crm", "url": "https://example.com/hooks", "secret": "${CRM_SECRET}",
                         "events": ["person.*"], "signature": "both"}
                        """), API);

        // then
        assertThat(subscription.id()).isEqualTo("crm");
        assertThat(subscription.url()).isEqualTo(URI.create("https://example.com/hooks"));
        assertThat(subscription.signing())
                .isEqualTo(new Signing(Signing.Scheme.BOTH, List.of(new Secret(SECRET)), Optional.empty()));
        assertThat(subscription.maxInFlight()).isEqualTo(64);
        assertThat(subscription.autoDisableAfter()).contains(Duration.ofDays(5));
        assertThat(subscription.breaker()).isEqualTo(CircuitBreaker.Settings.DEFAULTS);
    }

    @Test
    void shouldReportTheConfigFilesErrorsUnderTheBodysKeyPaths() throws Exception {
        // given: one bad subscription, as a request body and as the file's list entry (JSON is YAML)
        String body = """
                {"id": "crm", "url": "ftp://example.com/hook", "secret": "short", "events": ["person."],
                 "maxInFlight": 0, "circuitBreaker": {"window": "x"}, "colour": "blue"}""";
        List<String> fromFile = errors(() -> new ConfigLoader(env::get).parse("subscriptions: [" + body + "]", "f"));

        // when
        List<String> fromJson = errors(() -> schema.parse(json(body), API));

        // then: the same messages, with the body's own key paths
        assertThat(fromJson)
                .contains(
                        API + ": url: must be an absolute http or https URL (got 'ftp://example.com/…')",
                        API + ": circuitBreaker.window: must be a positive whole number (got 'x')",
                        API + ": colour: unknown key")
                .containsExactlyElementsOf(fromFile.stream()
                        .map(e -> e.replace("f: subscriptions[crm].", API + ": "))
                        .toList());
    }

    @Test
    void shouldRefuseABodyThatIsNoMapping() {
        assertThatThrownBy(() -> schema.parse(json("[1]"), API))
                .isInstanceOf(ConfigException.class)
                .hasMessage(API + ": subscription: must be a mapping with id, url, secret, events");
    }

    @Test
    void shouldMaskEnvironmentValuesInItsErrors() {
        // given: a variable that holds a URL where a secret was meant
        var leaky = new SubscriptionSchema(Map.of("CRM_URL", "https://10.0.0.1/" + SECRET)::get, defaults());

        // when / then
        assertThatThrownBy(() -> leaky.parse(
                        json("{\"id\": \"x\", \"url\": \"${CRM_URL}\", \"secret\": \"" + SECRET
                                + "\", \"events\": [\"*\"]}"),
                        API))
                .isInstanceOf(ConfigException.class)
                .satisfies(e ->
                        assertThat(e.getMessage()).startsWith(API + ": url: ").doesNotContain(SECRET));
    }

    private SubscriptionSchema.Defaults defaults() {
        return new SubscriptionSchema.Defaults(
                DestinationGuard.DEFAULTS, 64, CircuitBreaker.Settings.DEFAULTS, Tls.DEFAULT, Optional.empty());
    }

    private interface Parse {
        Object run() throws Exception;
    }

    private static List<String> errors(Parse parse) throws Exception {
        try {
            parse.run();
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected errors");
    }
}
