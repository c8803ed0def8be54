package io.webhookdispatcher.config;

import static io.webhookdispatcher.config.ConfigKey.define;
import static io.webhookdispatcher.config.ConfigKey.mapping;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code admin} section: the admin API's port and tokens, and the keys of the secrets kept in
 * {@code topics.subscriptions} (which the {@code subscriptions} command uses without the API too).
 */
final class AdminSection {
    private AdminSection() {}

    static final ConfigKey<Optional<Integer>> PORT = define("port", ConfigKey.Type.INTEGER, IngestSection::port)
            .describedDefault(Optional.empty(), "unset (off)")
            .doc("Port of the admin API (/v1/subscriptions); 0 picks a free port; unset: no admin API.");
    static final ConfigKey<String> ADDRESS = define("address", ConfigKey.Type.STRING, Values::address)
            .defaultsTo("0.0.0.0")
            .doc("The interface the admin port binds, an IP address.");
    static final ConfigKey<Optional<String>> TOKENS_FILE = define(
                    "tokensFile", ConfigKey.Type.STRING, Values::optionalString)
            .describedDefault(Optional.empty(), ConfigKey.NONE)
            .doc("The admin API's bearer tokens, one per line (at least 32 characters); re-read without a restart."
                    + " Required with admin.port.");
    static final ConfigKey<Optional<String>> ENCRYPTION_KEY_FILE = define(
                    "encryptionKeyFile", ConfigKey.Type.STRING, Values::optionalString)
            .describedDefault(Optional.empty(), ConfigKey.NONE)
            .doc("Keys of the secrets in topics.subscriptions: <keyId>=<base64 of 32 bytes> per line, the first"
                    + " encrypts; re-read without a restart.");
    static final ConfigKey<Void> SECTION = mapping(
            "admin", "Managing subscriptions at run time.", List.of(PORT, ADDRESS, TOKENS_FILE, ENCRYPTION_KEY_FILE));

    /**
     * @param otherPorts    the management and ingest ports, which the admin port must not be
     * @param storeDeclared whether {@code topics.subscriptions} is set: the API has nowhere to write without it
     */
    static DispatcherConfig.Admin read(
            Node top, int managementPort, Optional<Integer> ingestPort, boolean storeDeclared) {
        Node n = top.section(SECTION.name());
        Optional<Integer> port = PORT.read(n);
        String address = ADDRESS.read(n);
        Optional<Path> tokens = TOKENS_FILE.read(n).map(Path::of);
        Optional<Path> keys = ENCRYPTION_KEY_FILE.read(n).map(Path::of);
        n.rejectUnknownKeys();
        if (port.isPresent() && port.get() != 0) {
            if (port.get() == managementPort) {
                n.error(PORT.name(), "must differ from management.port (" + managementPort + ")");
            } else if (port.equals(ingestPort)) {
                n.error(PORT.name(), "must differ from ingest.port (" + port.get() + ")");
            }
        }
        if (port.isPresent()) {
            if (tokens.isEmpty() && !n.failed(TOKENS_FILE.name())) {
                n.error(TOKENS_FILE.name(), "is required with admin.port: the API accepts no request without a token");
            }
            if (keys.isEmpty() && !n.failed(ENCRYPTION_KEY_FILE.name())) {
                n.error(ENCRYPTION_KEY_FILE.name(), "is required with admin.port: secrets are stored encrypted");
            }
            if (!storeDeclared) {
                n.error(PORT.name(), "needs topics.subscriptions: the API keeps its subscriptions there");
            }
        }
        return new DispatcherConfig.Admin(port, address, tokens, keys);
    }
}
