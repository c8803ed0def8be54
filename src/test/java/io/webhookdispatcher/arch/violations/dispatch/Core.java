package io.webhookdispatcher.arch.violations.dispatch;

import io.webhookdispatcher.arch.violations.http.Sender;

/** Breaks the rules on purpose (see ArchitectureTest): dispatch depends on an adapter, and on app. */
public final class Core {
    private Core() {}

    public static String send() {
        return Sender.NAME + io.webhookdispatcher.arch.violations.app.Wiring.NAME;
    }
}
