package io.webhookdispatcher.dispatch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An IP network in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}), equal by value. Parsed without DNS,
 * strictly: a mistyped entry in {@code delivery.allowedNetworks} must be an error, not a wider opening.
 */
public record Network(InetAddress base, int prefixLength) {
    private static final Pattern DOTTED_QUAD = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");

    public Network {
        Objects.requireNonNull(base, "base");
        int bits = base.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length must be 0 to " + bits + " (got " + prefixLength + ")");
        }
        if (!Arrays.equals(base.getAddress(), masked(base.getAddress(), prefixLength))) {
            throw new IllegalArgumentException(base.getHostAddress() + "/" + prefixLength
                    + " has host bits set; did you mean "
                    + address(masked(base.getAddress(), prefixLength)).getHostAddress() + "/" + prefixLength + "?");
        }
    }

    /**
     * Parses {@code address/length}: a dotted-quad IPv4 address (no leading zeros, which some parsers read as
     * octal) or an IPv6 address, and the prefix length.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static Network parse(String cidr) {
        String text = cidr.trim();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + cidr + "' must be a CIDR such as 10.0.0.0/8 or fd00::/8");
        }
        String addressText = text.substring(0, slash);
        String lengthText = text.substring(slash + 1);
        if (!lengthText.matches("[0-9]{1,3}")) {
            throw new IllegalArgumentException("'" + cidr + "': the prefix length must be a number");
        }
        return new Network(parseAddress(cidr, addressText), Integer.parseInt(lengthText));
    }

    private static InetAddress parseAddress(String cidr, String text) {
        if (text.contains(":")) {
            if (text.contains("%") || text.contains("[")) {
                throw new IllegalArgumentException("'" + cidr + "': write an IPv6 network without brackets or zone");
            }
            InetAddress a;
            try {
                a = InetAddress.getByName("[" + text + "]"); // brackets: a literal or an error, never a DNS query
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + cidr + "': '" + text + "' is not an IPv6 address");
            }
            if (a instanceof Inet4Address) { // the JDK turns ::ffff:a.b.c.d into the IPv4 address
                throw new IllegalArgumentException("'" + cidr + "': write an IPv4-mapped network as IPv4 (a.b.c.d/n)");
            }
            return a;
        }
        if (!DOTTED_QUAD.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    "'" + cidr + "': '" + text + "' is not a dotted-quad IPv4 address (a.b.c.d, no leading zeros)");
        }
        String[] parts = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int n = Integer.parseInt(parts[i]);
            if (n > 255) {
                throw new IllegalArgumentException("'" + cidr + "': '" + text + "' is not an IPv4 address");
            }
            bytes[i] = (byte) n;
        }
        return address(bytes);
    }

    /** Whether {@code address} is in this network; an address of the other family never is. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] b = base.getAddress();
        return a.length == b.length && matches(a, b, prefixLength);
    }

    public boolean isIpv6() {
        return base instanceof Inet6Address;
    }

    @Override
    public String toString() {
        return base.getHostAddress() + "/" + prefixLength;
    }

    static boolean matches(byte[] a, byte[] b, int prefixLength) {
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (b[full] & mask);
    }

    private static byte[] masked(byte[] bytes, int prefixLength) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
            out[i] &= (byte) ((0xff << (8 - keep)) & 0xff);
        }
        return out;
    }

    /** From its bytes, no DNS; 16 bytes stay IPv6 (InetAddress.getByAddress would turn ::ffff:a.b.c.d into IPv4). */
    static InetAddress address(byte[] bytes) {
        try {
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a length other than 4 or 16
        }
    }
}
