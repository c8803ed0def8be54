package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventTimeTest {

    @Test
    void shouldReadTheCrmsTimestampsExactlyAsInstantParseDoes() {
        var random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            // any second from year 1 to 9999, with 0 to 9 digits of fraction
            long second = java.time.Instant.parse("0001-01-01T00:00:00Z").getEpochSecond()
                    + (long) (random.nextDouble() * 315_537_000_000L);
            java.time.Instant instant = java.time.Instant.ofEpochSecond(second, random.nextInt(1_000_000_000));
            int digits = random.nextInt(10);
            String text = java.time.format.DateTimeFormatter.ofPattern(
                            "uuuu-MM-dd'T'HH:mm:ss" + (digits == 0 ? "" : "." + "S".repeat(digits)) + "'Z'")
                    .withZone(java.time.ZoneOffset.UTC)
                    .format(instant);

            assertThat(EventTime.utcInstant(text)).as(text).isEqualTo(java.time.Instant.parse(text));
        }
    }

    @Test
    void shouldLeaveEveryOtherFormToInstantParse() {
        for (String text : java.util.List.of(
                "2026-02-29T10:00:00Z", // not a leap year
                "2026-13-01T10:00:00Z",
                "2026-12-00T10:00:00Z",
                "2026-12-01T24:00:00Z",
                "2026-12-31T23:59:60Z", // a leap second: Instant.parse reads it as :59
                "2026-12-01T10:00:00.Z",
                "2026-12-01T10:00:00.1234567890Z",
                "2026-12-01T10:00:00+01:00",
                "2026-12-01t10:00:00z",
                "2026-12-01T10:0a:00Z",
                "+2026-12-01T10:00:00Z",
                "")) {
            assertThat(EventTime.utcInstant(text)).as(text).isNull();
        }
        assertThat(EventTime.utcInstant("2024-02-29T23:59:59.5Z"))
                .isEqualTo(java.time.Instant.parse("2024-02-29T23:59:59.5Z"));
    }
}
