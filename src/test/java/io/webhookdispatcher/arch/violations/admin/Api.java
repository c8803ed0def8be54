package io.webhookdispatcher.arch.violations.admin;

import io.webhookdispatcher.arch.violations.retry.Retry;

/** Breaks the rules on purpose (see ArchitectureTest): the admin API reaching into the retry path. */
public final class Api {
    private Api() {}

    public static String call() {
        return "admin " + Retry.name();
    }
}
