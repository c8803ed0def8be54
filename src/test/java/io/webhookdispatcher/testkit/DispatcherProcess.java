package io.webhookdispatcher.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real jar as a child process: what Kubernetes runs, killed and signalled like a pod. */
public final class DispatcherProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private DispatcherProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("dispatcher.jar", "target/webhook-dispatcher.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run `mvn package` (failsafe runs after it)");
        }
        return jar;
    }

    public static DispatcherProcess start(Path config, Map<String, String> env) throws IOException {
        Path log = Files.createTempFile("dispatcher", ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                jar().toString(),
                "run",
                "--config",
                config.toString()));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return new DispatcherProcess(builder.start(), log);
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no drain, no commit, as in a node failure or an OOM kill. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the exit code. */
    public int terminate(long timeoutSeconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no exit within " + timeoutSeconds + "s after SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
