package io.webhookdispatcher.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 (RFC 3629, Unicode's "well-formed" table): the JSON parser decodes leniently, so an overlong
 * {@code C0 AE} read as {@code .} routed {@code apiKey\xc0\xaedeleted} to an {@code apiKey.*} subscription, while
 * the receiver, which gets the bytes as consumed, decodes them differently or refuses them (issue 20). Runs on every
 * event: one pass, no allocation, ASCII (most of an event) skipped eight bytes at a time.
 */
final class Utf8 {
    /** The byte order mark's encoding; RFC 8259 8.1: not to be sent, and many receivers' parsers refuse it. */
    private static final int BOM_1 = 0xEF;

    private static final int BOM_2 = 0xBB;
    private static final int BOM_3 = 0xBF;

    /** Eight bytes at a time, for the ASCII run: a word with no high bit set is eight ASCII bytes. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {}

    /** Whether the value starts with a UTF-8 byte order mark. */
    static boolean startsWithBom(byte[] value) {
        return value.length >= 3
                && (value[0] & 0xFF) == BOM_1
                && (value[1] & 0xFF) == BOM_2
                && (value[2] & 0xFF) == BOM_3;
    }

    /**
     * The index of the first byte that does not begin a well-formed sequence (a stray continuation byte, an overlong
     * form, an encoded surrogate, a code point above U+10FFFF, a sequence cut short), or -1 if there is none.
     */
    static int firstInvalid(byte[] value) {
        int i = 0;
        int n = value.length;
        while (i < n) {
            if (i + Long.BYTES <= n && ((long) LONGS.get(value, i) & HIGH_BITS) == 0) { // eight ASCII bytes
                i += Long.BYTES;
                continue;
            }
            if (value[i] >= 0) { // ASCII
                i++;
                continue;
            }
            int length = sequenceLength(value, i);
            if (length == 0) {
                return i;
            }
            i += length;
        }
        return -1;
    }

    /** The length of the well-formed multi-byte sequence at {@code i}; 0 if it is not one. */
    private static int sequenceLength(byte[] b, int i) {
        int lead = b[i] & 0xFF;
        if (lead < 0xC2) { // a continuation byte, or C0/C1: only ever an overlong form of ASCII
            return 0;
        }
        if (lead < 0xE0) {
            return continuations(b, i + 1, 1) ? 2 : 0;
        }
        if (lead < 0xF0) {
            return threeBytes(b, i, lead) ? 3 : 0;
        }
        if (lead < 0xF5) {
            return fourBytes(b, i, lead) ? 4 : 0;
        }
        return 0; // F5..FF: above U+10FFFF, or no UTF-8 at all
    }

    /** E0 A0..BF: not overlong; ED 80..9F: not a surrogate (U+D800..DFFF). */
    private static boolean threeBytes(byte[] b, int i, int lead) {
        int low = lead == 0xE0 ? 0xA0 : 0x80;
        int high = lead == 0xED ? 0x9F : 0xBF;
        return inRange(b, i + 1, low, high) && continuations(b, i + 2, 1);
    }

    /** F0 90..BF: not overlong; F4 80..8F: not above U+10FFFF. */
    private static boolean fourBytes(byte[] b, int i, int lead) {
        int low = lead == 0xF0 ? 0x90 : 0x80;
        int high = lead == 0xF4 ? 0x8F : 0xBF;
        return inRange(b, i + 1, low, high) && continuations(b, i + 2, 2);
    }

    private static boolean inRange(byte[] b, int i, int low, int high) {
        if (i >= b.length) {
            return false;
        }
        int x = b[i] & 0xFF;
        return x >= low && x <= high;
    }

    private static boolean continuations(byte[] b, int from, int count) {
        if (from + count > b.length) {
            return false;
        }
        for (int i = from; i < from + count; i++) {
            if ((b[i] & 0xC0) != 0x80) {
                return false;
            }
        }
        return true;
    }
}
