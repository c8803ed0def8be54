package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 20: {@code {"event":"apiKey\xc0\xaedeleted"}} (an overlong {@code .}) was routed as {@code apiKey.deleted};
 * 3-byte overlongs, encoded surrogates and code points above U+10FFFF passed too. Every ill-formed sequence is now
 * {@code invalid-utf8} before any routing, a byte order mark is refused, and the parser's limits hold.
 */
class StrictUtf8Test {
    private static final Logger log = LoggerFactory.getLogger(StrictUtf8Test.class);
    private static final int LIMIT = 1 << 20;

    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "c0ae, overlong '.' in 2 bytes",
        "c180, overlong in 2 bytes (C1)",
        "e080ae, overlong '.' in 3 bytes",
        "f08080ae, overlong '.' in 4 bytes",
        "eda080, encoded high surrogate U+D800",
        "edbfbf, encoded low surrogate U+DFFF",
        "f4908080, U+110000 above the last code point",
        "f5808080, lead byte F5",
        "ff, byte FF",
        "80, stray continuation byte",
        "c3, sequence cut short by ASCII",
        "e282, 3-byte sequence cut short",
        "c328, lead byte followed by ASCII",
    })
    void shouldDeadLetterIllFormedUtf8BeforeRouting(String hex, String what) {
        byte[] value = eventType(HexFormat.of().parseHex(hex));

        assertThatThrownBy(() -> CrmEvent.parse(value, LIMIT))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.INVALID_UTF8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"c3a9", "e282ac", "efbfbd", "ed9fbf", "ee8080", "f0908080", "f09f9880", "f48fbfbf"})
    void shouldAcceptWellFormedMultiByteSequences(String hex) throws Exception {
        assertThat(CrmEvent.parse(note(HexFormat.of().parseHex(hex)), LIMIT).type())
                .isEqualTo(new EventType("apiKey", "deleted"));
    }

    @Test
    void shouldRefuseAByteOrderMarkBeforeTheObject() {
        byte[] value = concat(HexFormat.of().parseHex("efbbbf"), note(new byte[0]));

        assertThatThrownBy(() -> CrmEvent.parse(value, LIMIT))
                .isInstanceOfSatisfying(CrmEvent.InvalidEventException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.INVALID_JSON);
                    assertThat(e.getMessage()).contains("byte order mark");
                });
    }

    @Test
    void shouldRefuseANumberLongerThanTheParserAllows() throws Exception {
        String ok = "{\"event\":\"a.b\",\"n\":" + "9".repeat(1000) + "}";
        String tooLong = "{\"event\":\"a.b\",\"n\":" + "9".repeat(1001) + "}";

        assertThat(CrmEvent.parse(ok.getBytes(StandardCharsets.UTF_8), LIMIT).type())
                .isEqualTo(new EventType("a", "b"));
        assertThatThrownBy(() -> CrmEvent.parse(tooLong.getBytes(StandardCharsets.UTF_8), LIMIT))
                .isInstanceOfSatisfying(
                        CrmEvent.InvalidEventException.class,
                        e -> assertThat(e.kind()).isEqualTo(CrmEvent.Invalid.INVALID_JSON));
    }

    @Test
    void shouldAcceptNestingUpToTheDocumentedDepth() throws Exception {
        // the object itself is level 1: 999 arrays inside it make 1,000
        String deepest = "{\"event\":\"a.b\",\"d\":" + "[".repeat(999) + "]".repeat(999) + "}";
        String deeper = "{\"event\":\"a.b\",\"d\":" + "[".repeat(1000) + "]".repeat(1000) + "}";

        assertThat(CrmEvent.parse(deepest.getBytes(StandardCharsets.UTF_8), LIMIT)
                        .type())
                .isEqualTo(new EventType("a", "b"));
        assertThatThrownBy(() -> CrmEvent.parse(deeper.getBytes(StandardCharsets.UTF_8), LIMIT))
                .isInstanceOf(CrmEvent.InvalidEventException.class);
    }

    /**
     * Not a benchmark, a guard against a slow check: the check's cost per ~400-byte event (printed), which must stay
     * far below the parse it precedes.
     */
    @Test
    void shouldCheckATypicalEventInAFewHundredNanoseconds() throws Exception {
        byte[] value = ("{\"event\":\"person.updated\",\"timestamp\":\"2025-02-10T15:30:50.123Z\",\"data\":{\"id\":"
                        + "\"8f0c2a8e-6f1b-4a8e-9d7e-2b1c3d4e5f60\",\"name\":{\"firstName\":\"Zoë\",\"lastName\":"
                        + "\"Müller\"},\"emails\":{\"primaryEmail\":\"zoe.mueller@example.com\"},\"city\":\"Zürich\","
                        + "\"jobTitle\":\"Head of Operations\",\"createdAt\":\"2025-01-03T09:12:44.000Z\",\"updatedAt\":"
                        + "\"2025-02-10T15:30:50.123Z\",\"position\":7,\"companyId\":\"4b1d0c7e-1111-2222-3333-"
                        + "444455556666\"}}")
                .getBytes(StandardCharsets.UTF_8);
        int sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm-up
            sink += Utf8.firstInvalid(value);
        }
        int rounds = 1_000_000;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            sink += Utf8.firstInvalid(value);
        }
        double nanos = (System.nanoTime() - start) / (double) rounds;
        start = System.nanoTime();
        for (int i = 0; i < rounds / 10; i++) {
            sink += CrmEvent.parse(value, LIMIT).type().hashCode();
        }
        double parse = (System.nanoTime() - start) / (rounds / 10.0);
        log.info(
                "strict UTF-8 check: {} ns per {}-byte event, the whole parse with it {} ns ({})",
                Math.round(nanos),
                value.length,
                Math.round(parse),
                sink);

        assertThat(value.length).isBetween(380, 440);
        assertThat(nanos).isLessThan(2_000); // a loose bound: a shared CI core, not a measurement
    }

    /** {@code {"event":"apiKey<bytes>deleted"}}: the bytes in the type that is routed on. */
    private static byte[] eventType(byte[] middle) {
        return concat(concat(ascii("{\"event\":\"apiKey"), middle), ascii("deleted\"}"));
    }

    /** {@code {"event":"apiKey.deleted","note":"<bytes>"}}. */
    private static byte[] note(byte[] bytes) {
        return concat(concat(ascii("{\"event\":\"apiKey.deleted\",\"note\":\""), bytes), ascii("\"}"));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
