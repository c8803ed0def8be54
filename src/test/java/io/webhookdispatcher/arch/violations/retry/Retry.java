package io.webhookdispatcher.arch.violations.retry;

/** Part of the deliberately bad code base of ArchitectureTest. */
public final class Retry {
    private Retry() {}

    public static String name() {
        return "retry";
    }
}
