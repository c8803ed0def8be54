package io.webhookdispatcher.app;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful shutdown. Handling the signals ourselves (instead of only a
 * shutdown hook) lets the process drain, commit and then exit 0, as Kubernetes expects.
 */
final class Signals {
    private Signals() {}

    static void onTermination(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> action.run());
            } catch (IllegalArgumentException unsupported) {
                // e.g. INT when the JVM runs with -Xrs; the other signal still works
            }
        }
    }
}
