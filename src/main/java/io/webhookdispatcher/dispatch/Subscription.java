package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.EventFilter;
import io.webhookdispatcher.event.PayloadFilter;
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
 * @param filter      a CEL expression that narrows what {@code events} matched, if any
 * @param autoDisableAfter how long its endpoint may fail without a break before the dispatcher disables it; empty:
 *                    never (also whenever {@code topics.operations} is unset)
 * @param workspaceId the one workspace whose events it gets (the event's {@code tenancy.workspaceField}); empty:
 *                    every workspace's
 * @param createdAt   when it was created, for a subscription of {@code topics.subscriptions}: a retry that went on
 *                    the failure path before then was an earlier subscription's of the same id; empty: the file's
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
        Tls tls,
        Optional<PayloadFilter> filter,
        Optional<java.time.Duration> autoDisableAfter,
        Optional<String> workspaceId,
        Optional<java.time.Instant> createdAt) {
    /** A path segment shown in logs: a short word, not an id or a token (those have digits or are long). */
    private static final java.util.regex.Pattern SEGMENT_WORD = java.util.regex.Pattern.compile("[A-Za-z_-]{1,24}");

    public Subscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(breaker, "breaker");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(autoDisableAfter, "autoDisableAfter");
        Objects.requireNonNull(workspaceId, "workspaceId");
        Objects.requireNonNull(createdAt, "createdAt");
        events = List.copyOf(events);
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be positive");
        }
    }

    /** This subscription as created at {@code at} (a subscription of {@code topics.subscriptions}). */
    public Subscription createdAt(java.time.Instant at) {
        return new Subscription(
                id,
                url,
                signing,
                events,
                enabled,
                maxInFlight,
                rateLimit,
                breaker,
                tls,
                filter,
                autoDisableAfter,
                workspaceId,
                Optional.of(at));
    }

    /** Without a payload filter, never disabled automatically, for every workspace. */
    public Subscription(
            String id,
            URI url,
            Signing signing,
            List<EventFilter> events,
            boolean enabled,
            int maxInFlight,
            Optional<RateLimit> rateLimit,
            CircuitBreaker.Settings breaker,
            Tls tls) {
        this(
                id,
                url,
                signing,
                events,
                enabled,
                maxInFlight,
                rateLimit,
                breaker,
                tls,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
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

    /**
     * What an auto-disable is recorded against: a config that differs in anything but its secrets (which do not
     * make an endpoint reachable) re-enables the subscription. Certificates count by content. A hash, so the
     * operations topic shows no URL.
     */
    public String endpointFingerprint() {
        String text = String.join(
                        "\n",
                        url.toString(),
                        signing.scheme().configName(),
                        tls.ca().map(c -> c.sha256() + " " + c.trust().label).orElse("system"),
                        tls.client().map(Tls.ClientCertificate::sha256).orElse("no client certificate"),
                        events.toString(),
                        filter.map(PayloadFilter::source).orElse(""),
                        String.valueOf(enabled),
                        String.valueOf(maxInFlight),
                        rateLimit.map(Object::toString).orElse(""),
                        breaker.toString(),
                        autoDisableAfter.map(Object::toString).orElse("off"))
                // appended only when set, so an unscoped subscription keeps the fingerprint it was disabled with
                + workspaceId.map(w -> "\nworkspace " + w).orElse("");
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    /** The files besides the config that this subscription's settings were read from (a reload watches them). */
    public List<Path> files() {
        return java.util.stream.Stream.concat(tls.files().stream(), signing.secretFile().stream())
                .toList();
    }

    /** Redacted: the URL's scheme, host and port and at most its path's first segment (see {@link #redact}). */
    @Override
    public String toString() {
        return "Subscription[id=" + id + ", url=" + redact(url) + ", events=" + events + ", enabled=" + enabled
                + ", signature=" + signing.scheme().configName() + ", maxInFlight=" + maxInFlight
                + rateLimit.map(r -> ", rateLimit=" + r).orElse("")
                + (tls.isDefault() ? "" : ", tls=" + tls) + "]";
    }

    /**
     * A URL fit for a log line: {@code scheme://host[:port]} and the first path segment when it is a plain word
     * followed by more ({@code https://hooks.slack.com/services/…}); never user-info, the rest of the path, the
     * query or the fragment. Slack, Zapier and webhook.site put the token in the path, others in the query.
     */
    public static String redact(URI url) {
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        String shown = path.isEmpty() || path.equals("/") ? path : "/" + firstSegment(path) + "…";
        boolean more = url.getRawQuery() != null || url.getRawFragment() != null;
        return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "") + shown
                + (more && shown.isEmpty() ? "/…" : "");
    }

    /** {@link #redact} for text that may not even parse as a URL (config errors). */
    public static String redactText(String url) {
        try {
            URI uri = new URI(url);
            if (uri.isAbsolute() && uri.getHost() != null) {
                return redact(uri);
            }
        } catch (java.net.URISyntaxException unparseable) {
            // below
        }
        int scheme = url.indexOf("://");
        int from = scheme < 0 ? 0 : scheme + 3;
        int to = from;
        while (to < url.length() && "/?#".indexOf(url.charAt(to)) < 0) {
            to++;
        }
        String authority = url.substring(from, to);
        authority = authority.substring(authority.lastIndexOf('@') + 1); // user-info often is a token
        return url.substring(0, from) + authority + (to < url.length() ? "/…" : "");
    }

    /** {@code services/} of {@code /services/T0/B0/X}; empty when the first segment is the last or not a word. */
    private static String firstSegment(String path) {
        int end = path.indexOf('/', 1);
        if (end < 0) {
            return "";
        }
        String segment = path.substring(1, end);
        return SEGMENT_WORD.matcher(segment).matches() ? segment + "/" : "";
    }
}
