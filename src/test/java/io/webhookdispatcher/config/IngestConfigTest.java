package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.Signing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest section: off by default, each source's secrets read exactly as a subscription's, errors by key path. */
class IngestConfigTest {
    private static final String SECRET = "s3cr3t-value-of-24-bytes-or-more";
    private static final String SUBSCRIPTIONS = """
            subscriptions:
              - id: a
                url: https://example.com/hooks/a
                secret: ${S}
                events: ["*"]
            """;

    private final ConfigLoader loader =
            new ConfigLoader(Map.of("S", SECRET, "OLD", "old-value-of-24-bytes-or-more")::get);

    @Test
    void shouldBeOffByDefault() throws Exception {
        DispatcherConfig config = loader.parse(SUBSCRIPTIONS, "dispatcher.yaml");

        assertThat(config.ingest()).isEqualTo(DispatcherConfig.Ingest.OFF);
    }

    @Test
    void shouldReadASourceWithTheCrmsDefaults() throws Exception {
        DispatcherConfig config = loader.parse("""
                ingest:
                  port: 8082
                  sources:
                    - id: crm
                      secret: ${S}
                """ + SUBSCRIPTIONS, "dispatcher.yaml");

        var ingest = config.ingest();
        assertThat(ingest.port()).contains(8082);
        assertThat(ingest.address()).isEqualTo("0.0.0.0");
        var source = ingest.sources().get(0);
        assertThat(source.id()).isEqualTo("crm");
        assertThat(source.keyField()).isEqualTo("/record/id");
        assertThat(source.signing().scheme()).isEqualTo(Signing.Scheme.TWENTY);
        assertThat(source.toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldReadRotatedSecretsAndASecretFileAsASubscriptionDoes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, "whsec_" + "A".repeat(44) + "\n");

        DispatcherConfig config = loader.parse("""
                ingest:
                  port: 0
                  sources:
                    - id: crm
                      secrets: ["${S}", "${OLD}"]
                    - id: other
                      secretFile: %s
                      signature: standard-webhooks
                      keyField: /data/id
                """.formatted(file) + SUBSCRIPTIONS, "dispatcher.yaml");

        var sources = config.ingest().sources();
        assertThat(sources.get(0).signing().secrets()).hasSize(2);
        assertThat(sources.get(1).signing().secretFile()).contains(file);
        assertThat(sources.get(1).signing().scheme()).isEqualTo(Signing.Scheme.STANDARD_WEBHOOKS);
        assertThat(sources.get(1).keyField()).isEqualTo("/data/id");
    }

    @Test
    void shouldReportEveryMistakeByItsKeyPath() {
        List<String> errors = errorsOf("""
                ingest:
                  port: 8081
                  sources:
                    - id: crm
                      secret: too-short
                      signature: both
                    - id: crm
                      secret: ${S}
                      keyField: record/id
                    - id: third
                      secret: ${S}
                      secrets: ["${S}"]
                      colour: blue
                """ + SUBSCRIPTIONS);

        assertThat(errors)
                .anyMatch(e -> e.startsWith("dispatcher.yaml: ingest.port: must differ from management.port (8081)"))
                .anyMatch(e -> e.startsWith("dispatcher.yaml: ingest.sources[crm].secret: is too short"))
                .anyMatch(e -> e.startsWith("dispatcher.yaml: ingest.sources[crm].signature: "))
                .anyMatch(e -> e.equals("dispatcher.yaml: ingest.sources[1].id: duplicate id 'crm'"))
                .anyMatch(e -> e.startsWith("dispatcher.yaml: ingest.sources[1].keyField: is not a JSON pointer"))
                .anyMatch(e -> e.startsWith("dispatcher.yaml: ingest.sources[third].secrets: only one of"))
                .anyMatch(e -> e.equals("dispatcher.yaml: ingest.sources[third].colour: unknown key"))
                .noneMatch(e -> e.contains("too-short"));
    }

    @Test
    void shouldRequireASourceWhenThePortIsSet() {
        assertThat(errorsOf("ingest: {port: 8082}\n" + SUBSCRIPTIONS))
                .containsExactly("dispatcher.yaml: ingest.sources: is required with ingest.port: who may post, with"
                        + " their secrets");
    }

    @Test
    void shouldTakeNoReferenceOutsideTheSecrets() {
        assertThat(errorsOf("ingest: {port: 8082, address: \"${S}\", sources: [{id: crm, secret: \"${S}\"}]}\n"
                        + SUBSCRIPTIONS))
                .singleElement()
                .asString()
                .startsWith("dispatcher.yaml: ingest.address: ${…} is only expanded in");
    }

    private List<String> errorsOf(String yaml) {
        return Rejected.errorsOf(loader, yaml);
    }
}
