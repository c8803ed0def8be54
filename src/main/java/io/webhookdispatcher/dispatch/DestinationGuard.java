package io.webhookdispatcher.dispatch;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which addresses webhooks may be sent to: any public unicast address, and the networks of
 * {@code delivery.allowedNetworks}; every address that is not meant to be reached from the internet (loopback,
 * private, link-local and cloud metadata, CGNAT, benchmark, documentation, multicast, reserved, unspecified, ULA)
 * is refused by default. An IPv6 address that embeds an IPv4 one (IPv4-mapped {@code ::ffff:0:0/96}, NAT64
 * {@code 64:ff9b::/96}) is judged by its IPv4 address, so {@code [::ffff:169.254.169.254]} is metadata and
 * {@code 64:ff9b::8.8.8.8} (DNS64 in an IPv6-only cluster) is public.
 *
 * <p>Checked twice: when the config is read ({@link #refusal(URI)}: a literal address in a URL, and the scheme
 * when {@code requireHttps}), and by the sender after DNS, before every connection ({@link #refusal(InetAddress)}).
 *
 * @param allowedNetworks networks opened despite the defaults (e.g. {@code 127.0.0.0/8} for a local receiver)
 * @param requireHttps    whether a plain {@code http://} URL is a config error
 */
public record DestinationGuard(List<Network> allowedNetworks, boolean requireHttps) {
    /** The error class (dead-letter header {@code webhook.error-class}) and attempt result of a refused delivery. */
    public static final String BLOCKED_DESTINATION = "blocked-destination";

    /** Blocks every non-public address and requires nothing of the scheme. */
    public static final DestinationGuard DEFAULTS = new DestinationGuard(List.of(), false);

    private record Range(Network network, String name) {
        Range(String cidr, String name) {
            this(Network.parse(cidr), name);
        }
    }

    /** IANA's special-purpose registries (RFC 6890 and successors), the parts not reachable on the internet. */
    private static final List<Range> BLOCKED = List.of(
            new Range("0.0.0.0/8", "unspecified ('this network')"),
            new Range("10.0.0.0/8", "private (RFC 1918)"),
            new Range("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
            new Range("127.0.0.0/8", "loopback"),
            new Range("169.254.0.0/16", "link-local (cloud metadata)"),
            new Range("172.16.0.0/12", "private (RFC 1918)"),
            new Range("192.0.0.0/24", "IETF protocol assignments"),
            new Range("192.0.2.0/24", "documentation"),
            new Range("192.88.99.0/24", "6to4 relay anycast"),
            new Range("192.168.0.0/16", "private (RFC 1918)"),
            new Range("198.18.0.0/15", "benchmarking"),
            new Range("198.51.100.0/24", "documentation"),
            new Range("203.0.113.0/24", "documentation"),
            new Range("224.0.0.0/4", "multicast"),
            new Range("255.255.255.255/32", "broadcast"),
            new Range("240.0.0.0/4", "reserved"),
            new Range("::/128", "unspecified"),
            new Range("::1/128", "loopback"),
            new Range("::/96", "IPv4-compatible (deprecated)"),
            new Range("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
            new Range("100::/64", "discard-only"),
            new Range("2001::/32", "Teredo"),
            new Range("2001::/23", "IETF protocol assignments"),
            new Range("2001:db8::/32", "documentation"),
            new Range("2002::/16", "6to4 (deprecated)"),
            new Range("3fff::/20", "documentation"),
            new Range("5f00::/16", "SRv6 segment identifiers"),
            new Range("fc00::/7", "unique local (ULA)"),
            new Range("fe80::/10", "link-local"),
            new Range("fec0::/10", "site-local (deprecated)"),
            new Range("ff00::/8", "multicast"));

    /** IPv6 outside it is reserved by IANA, whatever the list above names. */
    private static final Network GLOBAL_UNICAST = Network.parse("2000::/3");

    private static final byte[] IPV4_MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};
    private static final byte[] NAT64 = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

    public DestinationGuard {
        allowedNetworks = List.copyOf(allowedNetworks);
    }

    /**
     * Why {@code address} must not be connected to, such as {@code "loopback (127.0.0.0/8)"}; empty when it may.
     */
    public Optional<String> refusal(InetAddress address) {
        Objects.requireNonNull(address, "address");
        if (allowed(address)) {
            return Optional.empty();
        }
        if (address instanceof Inet6Address) {
            Optional<InetAddress> embedded = embeddedIpv4(address.getAddress());
            if (embedded.isPresent()) {
                return refusal(embedded.get())
                        .map(why -> "an IPv6 form of " + embedded.get().getHostAddress() + ", " + why);
            }
        }
        for (Range range : BLOCKED) {
            if (range.network().contains(address)) {
                return Optional.of(range.name() + " (" + range.network() + ")");
            }
        }
        if (address instanceof Inet6Address && !GLOBAL_UNICAST.contains(address)) {
            return Optional.of("reserved (outside " + GLOBAL_UNICAST + ")");
        }
        return Optional.empty();
    }

    /**
     * What the config may not say about a subscription's URL: a plain {@code http} URL when {@code requireHttps},
     * or a host that is a refused address literal in any form a resolver reads ({@code 2130706433}, {@code 127.1},
     * {@code 0177.0.0.1}, {@code [::ffff:127.0.0.1]}). Host names are judged at delivery, after DNS. Never asks
     * DNS; the message names the host but no other part of the URL (paths may carry tokens).
     */
    public Optional<String> refusal(URI url) {
        if (requireHttps && "http".equalsIgnoreCase(url.getScheme())) {
            return Optional.of("plain http is refused (delivery.requireHttps is true): use https");
        }
        String host = url.getHost();
        if (host == null) {
            return Optional.empty(); // not a URL the loader accepts at all; it says so
        }
        List<InetAddress> readings;
        try {
            readings = HostLiterals.readings(host);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        for (InetAddress address : readings) {
            Optional<String> why = refusal(address);
            if (why.isPresent()) {
                String as = host.equals(address.getHostAddress()) || host.startsWith("[")
                        ? host
                        : host + " (read as " + address.getHostAddress() + ")";
                return Optional.of(as + " is a blocked destination: " + why.get()
                        + "; add its network to delivery.allowedNetworks to allow it");
            }
        }
        return Optional.empty();
    }

    private boolean allowed(InetAddress address) {
        for (Network network : allowedNetworks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The IPv4 address inside an IPv4-mapped or well-known-prefix NAT64 address (RFC 6052: its last 32 bits). */
    private static Optional<InetAddress> embeddedIpv4(byte[] ipv6) {
        byte[] prefix = Arrays.copyOf(ipv6, 12);
        if (Arrays.equals(prefix, IPV4_MAPPED) || Arrays.equals(prefix, NAT64)) {
            return Optional.of(Network.address(Arrays.copyOfRange(ipv6, 12, 16)));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "DestinationGuard[allowedNetworks=" + allowedNetworks + ", requireHttps=" + requireHttps + "]";
    }
}
