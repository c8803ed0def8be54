package io.webhookdispatcher.app;

import io.webhookdispatcher.app.cli.Cli;
import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.retry.Replay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One command in-process, on a config with subscription {@code a}, against a backend of canned answers. */
final class CommandRun {
    static final String SECRET = "a-signing-secret-of-24-bytes-or-more";

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** A backend for the commands that neither run the dispatcher nor replay. */
    abstract static class Backend implements Cli.Backend {
        @Override
        public int run(DispatcherConfig c, Application.ConfigSource s, PrintStream e) {
            throw new AssertionError("not run");
        }

        @Override
        public Replay.Result replay(DispatcherConfig c, String t, Replay.Filter f, boolean d, PrintStream p) {
            throw new AssertionError("not replay");
        }
    }

    /** @param topics a {@code topics:} section, or null for none */
    int run(Path dir, String topics, Cli.Backend backend, String command, String... args) throws Exception {
        String config = Files.writeString(
                        dir.resolve("c.yaml"), (topics == null ? "" : "topics: " + topics + "\n") + """
                subscriptions:
                  - {id: a, url: "https://example.com/h", secret: "${S}", events: ["*"]}
                """)
                .toString();
        var all = new ArrayList<>(List.of(command, "--config", config));
        all.addAll(List.of(args));
        return Main.run(
                all.toArray(String[]::new),
                Map.of("S", SECRET)::get,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                backend);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
