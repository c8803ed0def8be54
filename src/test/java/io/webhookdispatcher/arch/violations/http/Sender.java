package io.webhookdispatcher.arch.violations.http;

import io.webhookdispatcher.arch.violations.dispatch.Core;
import io.webhookdispatcher.arch.violations.retry.Retry;

/** Breaks the rules on purpose (see ArchitectureTest): a cycle with dispatch, and an adapter using another. */
public final class Sender {
    public static final String NAME = new StringBuilder("sender").toString();

    private Sender() {}

    public static String retry() {
        return Core.send() + Retry.name();
    }
}
