package io.webhookdispatcher.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.admin.Problem.Kind;
import io.webhookdispatcher.admin.SubscriptionsApi.Rejected;
import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.Lane;
import io.webhookdispatcher.dispatch.Subscription;
import io.webhookdispatcher.store.SecretCipher;
import io.webhookdispatcher.store.StoredSchema;
import io.webhookdispatcher.store.StoredSubscription;
import io.webhookdispatcher.store.SubscriptionView;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the admin API does with a subscription beyond storing it: send it a signed test event, tell its health from
 * this replica's memory, and open its current secret.
 */
final class SubscriptionActions {
    /** The running dispatcher, as the API sees it. */
    interface Runtime {
        /** The schema the topic's records are read and sealed with. */
        StoredSchema schema();

        /** The config file's subscription ids. */
        Set<String> fileIds();

        /** The running lane of a subscription (the file's or the topic's), if this replica applies it. */
        Optional<Lane> lane(String id);

        /** Signs {@code body} as {@code subscription}'s deliveries are signed and POSTs it, through the same guard. */
        CompletableFuture<DeliveryOutcome> send(Subscription subscription, String deliveryId, byte[] body);

        /** Enables a subscription that auto-disable disabled (through the operations topic), if it is. */
        void enableEndpoint(String id);

        /** A deleted subscription's in-memory statistics dropped. */
        void forget(String id);

        Optional<AttemptStats.Summary> attempts(String id);

        /** How long a test request may take: the delivery request timeout, with a margin. */
        Duration testTimeout();

        Clock clock();
    }

    /** Tests under way at once per replica: each holds one of the admin port's 16 threads until its outcome. */
    static final int MAX_TESTS = 4;

    private final Runtime runtime;
    private final SecureRandom random;
    private final java.util.concurrent.Semaphore tests = new java.util.concurrent.Semaphore(MAX_TESTS);

    SubscriptionActions(Runtime runtime, SecureRandom random) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A signed {@code webhook.test} event, sent now; the receiver's status and the latency. */
    Answer test(StoredSubscription stored) {
        if (!tests.tryAcquire()) { // each one may hold a port thread for a request timeout
            throw new Rejected(Problem.of(
                    Kind.BUSY, MAX_TESTS + " tests are under way on this replica; try again when one is done"));
        }
        try {
            return sendTest(stored);
        } finally {
            tests.release();
        }
    }

    private Answer sendTest(StoredSubscription stored) {
        Subscription subscription =
                runtime.lane(stored.id()).map(Lane::subscription).orElseGet(() -> usable(stored));
        String deliveryId = TestEvent.deliveryId(random);
        byte[] body = TestEvent.body(subscription, deliveryId, runtime.clock().instant());
        DeliveryOutcome outcome;
        try {
            outcome = runtime.send(subscription, deliveryId, body)
                    .get(runtime.testTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Rejected(
                    Problem.of(Kind.UNAVAILABLE, "the test request got no outcome in " + runtime.testTimeout()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("the sender never completes exceptionally", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Rejected(Problem.of(Kind.UNAVAILABLE, "interrupted"));
        }
        ObjectNode json = TestEvent.result(deliveryId, outcome);
        return Answer.json(200, json);
    }

    /** What this replica knows of a subscription now: applied or not, its circuit, queue and recent attempts. */
    Answer health(String id, StoredSubscription stored) {
        Optional<Lane> lane = runtime.lane(id);
        if (lane.isEmpty() && stored == null) {
            throw new Rejected(Problem.of(Kind.NOT_FOUND, "no subscription " + id));
        }
        ObjectNode json = SubscriptionsApi.JSON.createObjectNode().put("id", id);
        json.put("source", runtime.fileIds().contains(id) ? "config" : "topic");
        if (lane.isEmpty()) {
            json.put("applied", false)
                    .put("status", SubscriptionView.status(stored, runtime.schema(), runtime.fileIds()));
            return Answer.json(200, json);
        }
        Lane l = lane.get();
        long now = runtime.clock().millis();
        json.put("applied", true)
                .put("enabled", l.subscription().enabled())
                .put("autoDisabled", l.endpointDisabled())
                .put(
                        "circuit",
                        l.circuitState(now)
                                .name()
                                .toLowerCase(java.util.Locale.ROOT)
                                .replace('_', '-'))
                .put("slow", l.slow())
                .put("queued", l.queued())
                .put("inFlight", l.inFlight());
        Optional<AttemptStats.Summary> attempts = runtime.attempts(id);
        if (attempts.isPresent()) {
            var a = attempts.get();
            json.putObject("lastAttempt")
                    .put("at", a.lastAttemptAt().toString())
                    .put("result", a.lastResult())
                    .put("status", a.lastStatus());
            json.put("successRatio", Math.round(a.successRatio() * 1000) / 1000.0)
                    .put("recentAttempts", a.window());
        } else {
            json.putNull("lastAttempt");
            json.putNull("successRatio");
            json.put("recentAttempts", 0);
        }
        return Answer.json(200, json);
    }

    /** The secret new signatures are made with, opened. */
    String currentSecret(StoredSubscription stored) {
        try {
            List<String> secrets = StoredSchema.secrets(runtime.schema().plain(stored));
            if (secrets.isEmpty()) {
                throw new Rejected(Problem.of(Kind.CONFLICT, "subscription " + stored.id() + " has no secret"));
            }
            return secrets.get(0);
        } catch (SecretCipher.CipherException e) {
            throw new Rejected(Problem.of(Kind.CONFLICT, "its secret cannot be opened here: " + e.getMessage()));
        }
    }

    private Subscription usable(StoredSubscription stored) {
        if (runtime.schema().decode(stored) instanceof StoredSchema.Usable u) {
            return u.subscription();
        }
        throw new Rejected(Problem.of(
                Kind.CONFLICT,
                "subscription " + stored.id() + " is not applied ("
                        + SubscriptionView.status(stored, runtime.schema(), runtime.fileIds()) + "): nothing to test"));
    }
}
