package io.webhookdispatcher.dispatch;

import io.webhookdispatcher.event.EventType;
import io.webhookdispatcher.event.EventFilter;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/** A webhook subscription: where to POST which events, and the secret to sign them with. */
public record Subscription(String id, URI url, Secret secret, List<EventFilter> events, boolean enabled) {
    public Subscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        events = List.copyOf(events);
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
        return "Subscription[id=" + id + ", url=" + redact(url) + ", events=" + events + ", enabled=" + enabled + "]";
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
