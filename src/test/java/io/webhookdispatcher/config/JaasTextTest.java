package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.Test;

/** Interpolated credentials inside a JAAS quoted string reach Kafka's parser intact, whatever they contain. */
class JaasTextTest {
    /** What the chart writes (helm/webhook-dispatcher/templates/_helpers.tpl). */
    private static final String CHART_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"${KAFKA_SASL_USERNAME}\" password=\"${KAFKA_SASL_PASSWORD}\";";

    /** The login module's options as the Kafka clients parse them. */
    static Map<String, Object> kafkaParsedOptions(String jaas) {
        List<AppConfigurationEntry> entries = JaasContext.loadClientContext(
                        Map.of(JaasText.PROPERTY, new Password(jaas)))
                .configurationEntries();
        assertThat(entries).hasSize(1);
        return Map.copyOf(entries.get(0).getOptions());
    }

    private static String loadedJaas(String template, Map<String, String> env) throws ConfigException {
        String yaml = "kafka:\n  properties:\n    sasl.jaas.config: '" + template.replace("'", "''") + "'\n"
                + "subscriptions:\n  - {id: a, url: 'https://example.com/a', secret: a-secret-of-24-bytes-or-more, events: ['*']}\n";
        return new ConfigLoader(env::get).parse(yaml, "f").kafka().properties().get(JaasText.PROPERTY);
    }

    @Test
    void shouldEscapeAQuoteAndABackslashInAnInterpolatedPassword() throws Exception {
        String password = "pa\"ss\\w;ord\" tail=\"x";

        String jaas =
                loadedJaas(CHART_JAAS, Map.of("KAFKA_SASL_USERNAME", "svc\\user", "KAFKA_SASL_PASSWORD", password));

        assertThat(kafkaParsedOptions(jaas))
                .containsEntry("password", password)
                .containsEntry("username", "svc\\user")
                .hasSize(2);
    }

    @Test
    void shouldRefuseALineBreakInAnInterpolatedPasswordWithoutShowingIt() {
        // a line break ends a JAAS quoted string whatever the escaping, and Kafka's error then showed the rest
        for (String password : List.of("correct-horse\nBATTERYSTAPLE-SECRET", "trailing-NEWLINEPW\n", "cr\rSECRET")) {
            assertThatThrownBy(() ->
                            loadedJaas(CHART_JAAS, Map.of("KAFKA_SASL_USERNAME", "u", "KAFKA_SASL_PASSWORD", password)))
                    .isInstanceOfSatisfying(
                            ConfigException.class,
                            e -> assertThat(e.errors())
                                    .singleElement()
                                    .asString()
                                    .contains("kafka.properties.sasl.jaas.config", "KAFKA_SASL_PASSWORD", "line break")
                                    .doesNotContain("SECRET", "horse", "NEWLINEPW"));
        }
    }

    @Test
    void shouldTakeAWholeJaasConfigFromOneVariableAsItIs() throws Exception {
        String whole =
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\\\"w\";";

        String jaas = loadedJaas("${SASL}", Map.of("SASL", whole));

        assertThat(jaas).isEqualTo(whole);
        assertThat(kafkaParsedOptions(jaas)).containsEntry("password", "p\"w");
    }

    @Test
    void shouldTellInsideFromOutsideOfQuotedStrings() {
        String text = "m required a=\"x\\\"${IN}\" ${OUT}";

        assertThat(JaasText.insideQuotes(text, text.indexOf("${IN}"))).isTrue();
        assertThat(JaasText.insideQuotes(text, text.indexOf("${OUT}"))).isFalse();
    }
}
