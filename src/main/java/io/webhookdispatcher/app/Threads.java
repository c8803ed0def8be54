package io.webhookdispatcher.app;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The threads the composition root starts: named daemons, and periodic tasks that survive their own errors. */
final class Threads {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);

    private Threads() {}

    /** A periodic task that survives its own errors (an uncaught one would silently cancel it, e.g. the tick). */
    static Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) { // an uncaught one would silently cancel the schedule
                log.error("{} failed; it runs again on schedule", what, e);
            }
        };
    }

    static ThreadFactory daemon(String name) {
        var n = new AtomicInteger();
        return r -> {
            var t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
