package io.webhookdispatcher.consume;

/** What the health endpoints need to know about one consumer loop. Written by the loop, read by probes. */
public final class LoopStatus {
    private final String name;
    private volatile long lastPollNanos = System.nanoTime();
    private volatile boolean joined;
    private volatile Throwable failure;

    public LoopStatus(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void polled() {
        lastPollNanos = System.nanoTime();
    }

    public void joined() {
        joined = true;
    }

    public void failed(Throwable t) {
        failure = t;
    }

    public long nanosSinceLastPoll() {
        return System.nanoTime() - lastPollNanos;
    }

    /** True once the consumer has been given its first assignment (possibly empty) by the group. */
    public boolean hasJoined() {
        return joined;
    }

    public Throwable failure() {
        return failure;
    }
}
