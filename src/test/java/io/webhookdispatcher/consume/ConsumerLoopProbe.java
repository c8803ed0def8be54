package io.webhookdispatcher.consume;

/** Drives a {@link ConsumerLoop} one poll at a time from tests in other packages (on a MockConsumer). */
public final class ConsumerLoopProbe {
    private ConsumerLoopProbe() {}

    public static void subscribe(ConsumerLoop loop) {
        loop.subscribe();
    }

    public static void pollOnce(ConsumerLoop loop) {
        loop.pollOnce();
    }
}
