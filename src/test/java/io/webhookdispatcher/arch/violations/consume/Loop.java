package io.webhookdispatcher.arch.violations.consume;

import io.webhookdispatcher.arch.violations.dispatch.Core;

/** Breaks the rules on purpose (see ArchitectureTest): a leaf that depends on dispatch. */
public final class Loop {
    private Loop() {}

    public static String poll() {
        return Core.send();
    }
}
