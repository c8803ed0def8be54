package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DestinationGuard;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Where one attempt goes, decided by resolving its host and checking <b>every</b> address with the
 * {@link DestinationGuard} before anything connects: a {@link Target}, or why the guard refused the host.
 *
 * <p>Resolution is {@link InetAddress#getAllByName}, served from the JVM's cache of
 * {@code networkaddress.cache.ttl} (30 s); the sender runs it on the host's own executor, so a hanging resolver
 * stalls only its own host. A refused host is refused permanently and without connecting. Then:
 * <ul>
 *   <li>{@code http://}: the request goes to the checked address literal with the URL's {@code Host} header, so
 *       the client connects to exactly the address checked: a DNS answer that changes between check and connect
 *       (rebinding) is never used. Setting {@code Host} needs {@code -Djdk.httpclient.allowRestrictedHeaders=host},
 *       read once when the client's classes load ({@code Main} sets it; the sender's constructor fails without it).
 *   <li>{@code https://}: the request goes to the name, which TLS needs for SNI and hostname verification. If the
 *       client's own lookup were rebound to an internal address after the check, that host would have to present a
 *       certificate valid for the name, signed by a trusted CA; it cannot, so the handshake fails before any byte
 *       of the request is sent.
 * </ul>
 */
record Resolution(Target target, String refusal) {
    /**
     * A host the JDK parses as an address without asking DNS: four decimal octets of at most 255, or IPv6 in
     * brackets (a bracketed host is never looked up).
     */
    private static final Pattern ADDRESS_LITERAL = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|[01]?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|[01]?\\d?\\d)|\\[[0-9A-Fa-f:.%a-zA-Z]+]");

    /**
     * The URL itself (https, or a host that is an address already), or the checked address literal with the URL's
     * {@code Host} header (http).
     */
    record Target(URI uri, Optional<String> hostHeader) {}

    static Resolution to(Target target) {
        return new Resolution(target, null);
    }

    static Resolution refused(String why) {
        return new Resolution(null, why);
    }

    boolean isRefused() {
        return refusal != null;
    }

    /** Whether the host is written as an address, which needs no DNS and so resolves the same every time. */
    static boolean isAddressLiteral(String host) {
        return host != null && ADDRESS_LITERAL.matcher(host).matches();
    }

    /**
     * DNS (or a literal's parse), then the guard on every address: fail closed, since a client may pick any of them,
     * now or on a reconnect.
     *
     * @throws CompletionException for a URL without a host or a name that does not resolve
     */
    static Resolution of(URI url, DestinationGuard guard) {
        String name = url.getHost();
        if (name == null) { // getAllByName(null) would answer loopback
            throw new CompletionException(new IllegalArgumentException("the URL has no host"));
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            throw new CompletionException(e);
        }
        for (InetAddress address : addresses) {
            Optional<String> why = guard.refusal(address);
            if (why.isPresent()) {
                return refused(name + " resolves to " + address.getHostAddress() + ", " + why.get()
                        + ", which delivery.allowedNetworks does not allow");
            }
        }
        if (!"http".equalsIgnoreCase(url.getScheme())) {
            return to(new Target(url, Optional.empty()));
        }
        return to(pinned(url, addresses[0]));
    }

    /** The URL with the checked address for its host; the client then connects to that address only. */
    private static Target pinned(URI url, InetAddress address) {
        String literal = address instanceof Inet6Address
                ? "[" + address.getHostAddress().replaceFirst("%.*$", "") + "]"
                : address.getHostAddress();
        if (literal.equals(url.getHost())) {
            return new Target(url, Optional.empty()); // already the address: the client's own Host header is it
        }
        String port = url.getPort() < 0 ? "" : ":" + url.getPort();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String query = url.getRawQuery() == null ? "" : "?" + url.getRawQuery();
        URI uri = URI.create(url.getScheme() + "://" + literal + port + path + query);
        // the header the client would have sent for the URL: host, and the port if the URL gives one
        return new Target(uri, Optional.of(url.getHost() + (url.getPort() < 0 || url.getPort() == 80 ? "" : port)));
    }
}
