package io.webhookdispatcher.config;

import java.util.List;

/** What a config test expects the loader to refuse. */
final class Rejected {
    private Rejected() {}

    /** The errors the loader gives for {@code yaml}; fails the test if it is accepted. */
    static List<String> errorsOf(ConfigLoader loader, String yaml) {
        try {
            loader.parse(yaml, "dispatcher.yaml");
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected the config to be rejected");
    }
}
