package io.webhookdispatcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Every process the benchmark starts, so that none outlives it: {@link #close} (also run by a shutdown
 * hook, e.g. on Ctrl-C) stops those still alive, SIGTERM first, then SIGKILL after a grace period.
 */
final class Children implements AutoCloseable {
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::stopAll, "bench-cleanup");

    Children() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    Process start(ProcessBuilder builder) {
        try {
            Process p = builder.start();
            started.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + builder.command(), e);
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code graceSeconds}; returns the exit code. */
    static int stop(Process p, int graceSeconds) {
        p.destroy();
        try {
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return p.isAlive() ? -1 : p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    private void stopAll() {
        started.stream().filter(Process::isAlive).forEach(p -> stop(p, 10));
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs (or ran) anyway
        }
    }
}
