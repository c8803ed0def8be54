package io.webhookdispatcher.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The dispatcher's version, as the build wrote it into {@code webhook-dispatcher.properties}; {@code dev} without. */
final class Version {
    private Version() {}

    static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/webhook-dispatcher.properties")) {
            var p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
