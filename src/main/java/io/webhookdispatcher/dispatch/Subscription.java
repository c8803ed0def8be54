package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.EventType;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A webhook subscription: where to POST which events, how to sign them, and the isolation
 * settings of its lane (resolved: per-subscription overrides over the {@code delivery} defaults).
 *
 * @param maxInFlight concurrent requests this subscription may have under way
 * @param rateLimit   requests per time unit it may be sent, if limited
 * @param breaker     its circuit breaker's settings
 * @param tls         the CAs its receiver may be signed by and the client certificate it presents
 */
public record Subscription(
        String id,
        URI url,
        Signing signing,
        List<EventFilter> events,
        boolean enabled,
        int maxInFlight,
        Optional<RateLimit> rateLimit,
        CircuitBreaker.Settings breaker,
        Tls tls) {
    public Subscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(breaker, "breaker");
        Objects.requireNonNull(tls, "tls");
        events = List.copyOf(events);
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be positive");
        }
    }

    /** With the default TLS settings (the JVM's trust store, no client certificate). */
    public Subscription(
            String id,
            URI url,
            Signing signing,
            List<EventFilter> events,
            boolean enabled,
            int maxInFlight,
            Optional<RateLimit> rateLimit,
            CircuitBreaker.Settings breaker) {
        this(id, url, signing, events, enabled, maxInFlight, rateLimit, breaker, Tls.DEFAULT);
    }

    /** Signed by the Twenty scheme, with the default isolation settings (64 in flight, no rate limit, the default breaker). */
    public Subscription(String id, URI url, Secret secret, List<EventFilter> events, boolean enabled) {
        this(id, url, Signing.twenty(secret), events, enabled, 64, Optional.empty(), CircuitBreaker.Settings.DEFAULTS);
    }

    /** The files besides the config that this subscription's settings were read from (a reload watches them). */
    public List<Path> files() {
        return java.util.stream.Stream.concat(tls.files().stream(), signing.secretFile().stream())
                .toList();
    }

    public boolean wants(EventType type) {
        if (!enabled) {
            return false;
        }
        for (EventFilter filter : events) {
            if (filter.matches(type)) {
                return true;
            }
        }
        return false;
    }

    /** Redacted: the URL without user-info or query (they often carry tokens), never the secret. */
    @Override
    public String toString() {
        return "Subscription[id=" + id + ", url=" + redact(url) + ", events=" + events + ", enabled=" + enabled
                + ", signature=" + signing.scheme().configName() + ", maxInFlight=" + maxInFlight
                + rateLimit.map(r -> ", rateLimit=" + r).orElse("")
                + (tls.isDefault() ? "" : ", tls=" + tls) + "]";
    }

    /** Redacts a URL that may not even parse: drops user-info and query. */
    public static String redactText(String url) {
        String s = url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1");
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q) + "?…";
    }

    public static String redact(URI url) {
        String s = url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
                + (url.getRawPath() == null ? "" : url.getRawPath());
        return url.getRawQuery() == null ? s : s + "?…";
    }
}
