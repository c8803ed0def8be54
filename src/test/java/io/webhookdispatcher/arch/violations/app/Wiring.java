package io.webhookdispatcher.arch.violations.app;

/** Part of the deliberately bad code base of ArchitectureTest: dispatch depends on it. */
public final class Wiring {
    public static final String NAME = new StringBuilder("app").toString();

    private Wiring() {}
}
