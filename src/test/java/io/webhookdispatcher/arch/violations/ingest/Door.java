package io.webhookdispatcher.arch.violations.ingest;

import io.webhookdispatcher.arch.violations.retry.Retry;

/** Breaks the rules on purpose (see ArchitectureTest): the ingest door reaching into the retry path. */
public final class Door {
    private Door() {}

    public static String open() {
        return "ingest " + Retry.name();
    }
}
