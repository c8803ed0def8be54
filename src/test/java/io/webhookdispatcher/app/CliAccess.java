package io.webhookdispatcher.app;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The real command line, in-process, for tests outside this package (no environment variables). */
public final class CliAccess {
    private CliAccess() {}

    public static int run(String[] args, OutputStream out, OutputStream err) {
        return Main.run(
                args,
                name -> null,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
