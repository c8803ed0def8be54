package io.webhookdispatcher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.config.DispatcherConfig.Kafka.StartFrom;
import io.webhookdispatcher.config.KafkaClientSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's config providers stay off unless the operator lists them: a {@code ${file:…}} in a property must not
 * read the pod's files, even if it got past the config loader (which rejects {@code config.providers}).
 */
class KafkaConfigProvidersTest {
    private static final String PROPERTY = KafkaClientSettings.CONFIG_PROVIDERS_PROPERTY;
    private static final String SECRET = "pod-file-secret-5mQ2";

    @TempDir
    Path dir;

    private String saved;

    @BeforeEach
    void startAsAFreshJvm() {
        saved = System.getProperty(PROPERTY);
        System.clearProperty(PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, saved);
        }
    }

    private static DispatcherConfig.Kafka kafka(Map<String, String> properties) {
        return new DispatcherConfig.Kafka("localhost:9092", "g", StartFrom.LATEST, properties);
    }

    @Test
    void shouldNotResolveAFileReferenceOnceStartUpDisabledProviders() throws Exception {
        // given: a file the pod can read, and a property that names it
        Path file = Files.writeString(dir.resolve("secrets.properties"), "k=" + SECRET + "\n");
        String reference = "${file:" + file + ":k}";

        // when: what Main does at start-up
        Main.disableKafkaConfigProvidersUnlessSet();

        // then: declaring the file provider is refused by Kafka itself ...
        assertThat(System.getProperty(PROPERTY)).isEqualTo("none");
        var withProvider = kafka(Map.of(
                "config.providers",
                "file",
                "config.providers.file.class",
                FileConfigProvider.class.getName(),
                "client.id",
                reference));
        assertThatThrownBy(() ->
                        new ConsumerConfig(KafkaClientSettings.consumer(withProvider, "g", "c", StartFrom.LATEST)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not allowed")
                .hasMessageNotContaining(SECRET);
        // ... and without one the reference is only text
        var plain = kafka(Map.of("client.id", reference));
        assertThat(new ConsumerConfig(KafkaClientSettings.consumer(plain, "g", "c", StartFrom.LATEST))
                        .getString("client.id"))
                .isEqualTo(reference);
    }

    @Test
    void shouldResolveAFileReferenceOnlyWhenTheOperatorListedTheProvider() throws Exception {
        // given: the operator's -D, which start-up must leave alone
        Path file = Files.writeString(dir.resolve("secrets.properties"), "k=" + SECRET + "\n");
        System.setProperty(PROPERTY, FileConfigProvider.class.getName());

        // when
        Main.disableKafkaConfigProvidersUnlessSet();

        // then
        assertThat(System.getProperty(PROPERTY)).isEqualTo(FileConfigProvider.class.getName());
        var withProvider = kafka(Map.of(
                "config.providers",
                "file",
                "config.providers.file.class",
                FileConfigProvider.class.getName(),
                "client.id",
                "${file:" + file + ":k}"));
        assertThat(new ConsumerConfig(KafkaClientSettings.consumer(withProvider, "g", "c", StartFrom.LATEST))
                        .getString("client.id"))
                .isEqualTo(SECRET);
    }
}
