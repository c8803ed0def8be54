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

    int bytes() {
        return delivery.body().length;
    }
}
