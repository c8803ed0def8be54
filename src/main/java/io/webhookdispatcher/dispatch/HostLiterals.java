package io.webhookdispatcher.dispatch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The IP addresses a URL host written as an address literal may stand for, found without DNS. Resolvers disagree
 * on odd IPv4 forms: the JDK reads {@code 0177.0.0.1} as decimal (177.0.0.1), C's {@code inet_aton} (and so
 * curl, glibc, most proxies) as octal (127.0.0.1); both read {@code 2130706433} or {@code 127.1} as 127.0.0.1.
 * So every reading counts, and the guard refuses a host if any reading is blocked.
 */
final class HostLiterals {
    private HostLiterals() {}

    /**
     * @param host a URL's host as {@link java.net.URI#getHost()} gives it (IPv6 in brackets)
     * @return every address it may stand for; empty for a host name
     * @throws IllegalArgumentException for a bracketed host that is not a usable IPv6 address
     */
    static List<InetAddress> readings(String host) {
        if (host.startsWith("[")) {
            try {
                // with brackets the JDK parses a literal or fails; it never asks DNS
                return List.of(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + host + "' is not a usable IPv6 address");
            }
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        Set<InetAddress> readings = new LinkedHashSet<>();
        long[] octal = parts(h, true);
        if (octal != null) {
            add(readings, octal);
        }
        long[] decimal = parts(h, false);
        if (decimal != null) {
            add(readings, decimal);
        }
        return List.copyOf(readings);
    }

    /**
     * One to four dot-separated numbers; with {@code cStyle} as {@code inet_aton} reads them ({@code 0x} hex,
     * leading {@code 0} octal), otherwise all decimal (the JDK's reading). Null when {@code h} is not such a form.
     */
    private static long[] parts(String h, boolean cStyle) {
        String[] texts = h.split("\\.", -1);
        if (texts.length > 4) {
            return null;
        }
        long[] parts = new long[texts.length];
        for (int i = 0; i < texts.length; i++) {
            Long n = number(texts[i], cStyle);
            if (n == null) {
                return null;
            }
            parts[i] = n;
        }
        return parts;
    }

    private static Long number(String text, boolean cStyle) {
        int radix = 10;
        String digits = text;
        if (cStyle && (text.startsWith("0x") || text.startsWith("0X"))) {
            radix = 16;
            digits = text.substring(2);
        } else if (cStyle && text.length() > 1 && text.startsWith("0")) {
            radix = 8;
            digits = text.substring(1);
        }
        if (digits.isEmpty() || digits.length() > 32) {
            return null;
        }
        for (char c : digits.toCharArray()) {
            if (Character.digit(c, radix) < 0) {
                return null;
            }
        }
        try {
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException tooLarge) {
            return null;
        }
    }

    /** a, a.b (8.24 bits), a.b.c (8.8.16) or a.b.c.d: the last part fills the remaining bytes. */
    private static void add(Set<InetAddress> readings, long[] parts) {
        long value = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i] > 0xff) {
                return;
            }
            value |= parts[i] << (24 - 8 * i);
        }
        long last = parts[parts.length - 1];
        if (last >= 1L << (8 * (4 - parts.length + 1))) {
            return;
        }
        value |= last;
        byte[] bytes = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        readings.add(Network.address(bytes));
    }
}
