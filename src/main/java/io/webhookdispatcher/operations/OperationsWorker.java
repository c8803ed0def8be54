package io.webhookdispatcher.operations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the {@link OperationsTopic}: it opens it (again and again until it can, if start-up
 * could not), tails it, so every replica sees a change within a poll, and makes the writes asked of it, all that
 * are waiting in one transaction, never on a delivery's thread. Whatever fails, every write's future completes.
 */
public final class OperationsWorker implements AutoDisable.Store, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OperationsWorker.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long BACKOFF_MILLIS = 1000;

    private record Pending(OperationsTopic.Write write, CompletableFuture<Boolean> done) {}

    private final OperationsTopic topic;
    private final Runnable onOpened;
    private final LinkedBlockingQueue<Object> tasks = new LinkedBlockingQueue<>(); // Pending or Runnable
    private final Thread thread;
    private volatile boolean running = true;

    /** @param onOpened run on this thread once the topic is open, when start-up could not open it */
    public OperationsWorker(OperationsTopic topic, Runnable onOpened) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.onOpened = Objects.requireNonNull(onOpened, "onOpened");
        this.thread = new Thread(this::run, "operations");
        this.thread.setDaemon(true);
    }

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
        tasks.add(new Pending(new OperationsTopic.Write(condition, record), done));
        return done;
    }

    @Override
    public void run(Runnable task) {
        tasks.add(task);
    }

    private void run() {
        while (running) {
            try {
                if (!topic.opened()) {
                    topic.open(TIMEOUT);
                    log.info("read the operations topic; auto-disable states apply from now");
                    onOpened.run();
                }
                runWaiting();
                topic.poll(POLL);
            } catch (Exception | LinkageError | AssertionError e) { // the thread must outlive any of them
                if (running) {
                    log.warn("the operations topic failed us ({}); trying again in {} ms", e, BACKOFF_MILLIS);
                    pause();
                }
            }
        }
        failWaiting();
    }

    /** The waiting tasks in order; the writes among them in one batch, after the tasks queued before them. */
    private void runWaiting() {
        List<Pending> batch = new ArrayList<>();
        for (Object task; (task = tasks.poll()) != null; ) {
            if (task instanceof Pending p) {
                batch.add(p);
            } else {
                write(batch);
                batch = new ArrayList<>();
                ((Runnable) task).run();
            }
        }
        write(batch);
    }

    private void write(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            List<Boolean> written =
                    topic.writeAll(batch.stream().map(Pending::write).toList(), TIMEOUT);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(written.get(i));
            }
        } catch (Exception | LinkageError | AssertionError e) { // every future completes, whatever failed
            batch.forEach(p -> p.done().completeExceptionally(e));
        }
    }

    private void failWaiting() {
        for (Object task; (task = tasks.poll()) != null; ) {
            if (task instanceof Pending p) {
                p.done().completeExceptionally(new IllegalStateException("the dispatcher is stopping"));
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(BACKOFF_MILLIS); // a broker that just failed us: do not spin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /**
     * Stops the thread within {@code timeout} (interrupting a write still under way then); writes not yet made
     * complete exceptionally, and are decided again by whichever replica next sees a failure.
     */
    public void close(Duration timeout) {
        running = false;
        try {
            thread.join(Math.max(1, timeout.toMillis()));
            if (thread.isAlive()) {
                thread.interrupt(); // Kafka's clients then throw InterruptException: the loop ends
                thread.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            failWaiting();
            topic.close(); // the consumer is not thread-safe: only once its thread is done
        }
    }
}
