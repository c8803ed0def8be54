package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.consume.RecordCompletion;
import java.util.concurrent.CompletableFuture;

/** One delivery inside the scheduler, and the future its record waits on (completed exactly once). */
final class Job {
    final Delivery delivery;
    final CompletableFuture<RecordCompletion> done = new CompletableFuture<>();
    /** The half-open circuit's one probe: only its result decides the circuit. Set when it starts. */
    boolean probe;
    /** The workspace whose permits it holds while under way (its lane's, when it started); null: none. */
    String workspace;

    Job(Delivery delivery) {
        this.delivery = delivery;
    }

    /**
     * Hands it, taken off its queue, to where it goes next. A bug there must not leave its future incomplete (the
     * record could never be committed, nor its partition drained), so a throw completes the future exceptionally:
     * the loop reports it and never commits past it.
     */
    void handOn(java.util.function.Consumer<Job> next) {
        try {
            next.accept(this);
        } catch (RuntimeException bug) {
            done.completeExceptionally(bug);
        }
    }

    int bytes() {
        return delivery.body().length;
    }
}
