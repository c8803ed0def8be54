package io.webhookdispatcher.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command to completion; output goes through files, so no pipe can fill up and block it. */
final class Commands {
    private Commands() {}

    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        boolean succeeded() {
            return exitCode == 0;
        }

        /** For assertion messages. */
        String describe() {
            return String.join(" ", command) + "\nexit code " + exitCode + "\n--- stderr:\n" + stderr
                    + (stdout.isBlank() ? "" : "\n--- stdout:\n" + stdout);
        }
    }

    /** Runs with the inherited environment. */
    static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return run(command, null, timeout);
    }

    /** Runs with exactly {@code environment} when it is not null, as a container would. */
    static Result run(List<String> command, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("command", ".out");
        Path err = Files.createTempFile("command", ".err");
        try {
            var builder =
                    new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (environment != null) {
                builder.environment().clear();
                builder.environment().putAll(environment);
            }
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command));
            }
            return new Result(
                    List.copyOf(command),
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
