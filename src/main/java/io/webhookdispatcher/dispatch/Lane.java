package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.http.WebhookSigner;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subscription at run time: its current settings and signer, and its own queue and in-flight count,
 * so that one slow endpoint only ever uses up its own share ({@code maxInFlightPerSubscription}).
 * Survives hot reloads that keep the subscription's id.
 */
public final class Lane {
    private final String id;
    private volatile Target target;
    private volatile boolean removed;
    final ArrayDeque<Delivery> queue = new ArrayDeque<>(); // guarded by the scheduler's lock
    final AtomicInteger inFlight = new AtomicInteger();
    boolean ready; // guarded by the scheduler's lock: in its ready queue

    /** The subscription and the signer built from its secret, swapped together on reload. */
    public record Target(Subscription subscription, WebhookSigner signer) {
    }

    Lane(Subscription subscription) {
        this.id = subscription.id();
        update(subscription);
    }

    void update(Subscription subscription) {
        target = new Target(subscription, new WebhookSigner(subscription.secret()));
        removed = false;
    }

    void markRemoved() {
        removed = true;
    }

    public String id() {
        return id;
    }

    public Target target() {
        return target;
    }

    public Subscription subscription() {
        return target.subscription();
    }

    /** No longer in the config at all (as opposed to {@code enabled: false}). */
    public boolean removed() {
        return removed;
    }

    public int inFlight() {
        return inFlight.get();
    }
}
