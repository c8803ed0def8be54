package io.webhookdispatcher.operations;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the {@link OperationsTopic}: it tails the topic (so every replica sees a change within
 * a poll) and makes the writes asked of it, one at a time, never on a delivery's thread.
 */
public final class OperationsWorker implements AutoDisable.Store, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OperationsWorker.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final OperationsTopic topic;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    public OperationsWorker(OperationsTopic topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.thread = new Thread(this::run, "operations");
        this.thread.setDaemon(true);
    }

    /** Starts tailing; call after {@link OperationsTopic#open}. */
    public void start() {
        thread.start();
    }

    @Override
    public Optional<OperationRecord> state(String subscription) {
        return topic.state(subscription);
    }

    @Override
    public CompletableFuture<Boolean> writeIf(Predicate<Optional<OperationRecord>> condition, OperationRecord record) {
        var done = new CompletableFuture<Boolean>();
        tasks.add(() -> {
            try {
                done.complete(topic.writeIf(condition, record, WRITE_TIMEOUT));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Override
    public void run(Runnable task) {
        tasks.add(task);
    }

    private void run() {
        while (running) {
            try {
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                topic.poll(POLL);
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("reading the operations topic failed; trying again", e);
                    pause();
                }
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000); // a broker that just failed us: do not spin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            topic.close(); // the consumer is not thread-safe: only once its thread is done
        }
    }
}
