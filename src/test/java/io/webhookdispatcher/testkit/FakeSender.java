package io.webhookdispatcher.testkit;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult;
import io.webhookdispatcher.dispatch.DeliveryOutcome.Failure;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.dispatch.WebhookSender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link WebhookSender} for unit tests of the core: every send is recorded per subscription and answered either
 * at once (a scripted outcome) or later by the test ({@link #hold}).
 */
public final class FakeSender implements WebhookSender {
    /** One request: which delivery, and the future the test completes. */
    public record Call(String subscription, String deliveryId, byte[] body, CompletableFuture<DeliveryOutcome> answer) {
        public void answer(DeliveryOutcome outcome) {
            this.answer.complete(outcome);
        }
    }

    private final Map<String, List<Call>> calls = new ConcurrentHashMap<>();
    private final Map<String, DeliveryOutcome> scripted = new ConcurrentHashMap<>();

    /** Answers this subscription's requests at once with {@code outcome} (the default is 2xx). */
    public FakeSender answer(String subscription, DeliveryOutcome outcome) {
        scripted.put(subscription, outcome);
        return this;
    }

    /** Leaves this subscription's requests unanswered until the test answers them (a slow or hung endpoint). */
    public FakeSender hold(String subscription) {
        scripted.put(subscription, HOLD);
        return this;
    }

    public List<Call> calls(String subscription) {
        return List.copyOf(calls.getOrDefault(subscription, List.of()));
    }

    /** Requests not answered yet. */
    public List<Call> pending(String subscription) {
        return calls(subscription).stream().filter(c -> !c.answer().isDone()).toList();
    }

    @Override
    public Endpoint endpoint(Subscription subscription) {
        String id = subscription.id();
        return (deliveryId, body) -> {
            var call = new Call(id, deliveryId, body, new CompletableFuture<>());
            calls.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(call);
            DeliveryOutcome outcome = scripted.getOrDefault(id, delivered());
            if (outcome != HOLD) {
                call.answer(outcome);
            }
            return call.answer();
        };
    }

    @Override
    public void close() {}

    private static final DeliveryOutcome HOLD = new DeliveryOutcome.Delivered(299, Duration.ZERO);

    public static DeliveryOutcome delivered() {
        return new DeliveryOutcome.Delivered(200, Duration.ofMillis(1));
    }

    public static DeliveryOutcome status(int status) {
        return status(status, Optional.empty());
    }

    public static DeliveryOutcome status(int status, Optional<Duration> retryAfter) {
        var failure = new Failure(
                AttemptResult.ofStatus(status), status, "HttpStatus", "HTTP " + status, "", Duration.ofMillis(1));
        return status == 400 || status == 410
                ? new DeliveryOutcome.Permanent(failure)
                : new DeliveryOutcome.Retryable(failure, retryAfter);
    }

    public static DeliveryOutcome timeout(Duration after) {
        return new DeliveryOutcome.Retryable(
                new Failure(
                        AttemptResult.TIMEOUT, 0, "java.net.http.HttpTimeoutException", "request timed out", "", after),
                Optional.empty());
    }

    /** What the sender answers when the destination guard refuses the address a name resolved to. */
    public static DeliveryOutcome blocked() {
        return new DeliveryOutcome.Permanent(new Failure(
                AttemptResult.BLOCKED_DESTINATION,
                0,
                "blocked-destination",
                "receiver resolves to 10.0.0.1, private (RFC 1918) (10.0.0.0/8)",
                "",
                Duration.ofMillis(1)));
    }

    public static DeliveryOutcome refused() {
        return new DeliveryOutcome.Retryable(
                new Failure(
                        AttemptResult.CONNECT_ERROR,
                        0,
                        "java.net.ConnectException",
                        "Connection refused",
                        "",
                        Duration.ofMillis(1)),
                Optional.empty());
    }
}
