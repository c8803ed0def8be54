package io.webhookdispatcher.operations;

import java.time.Instant;

/** Operation records for tests of the operations topic. */
final class TestRecords {
    private TestRecords() {}

    /** The subscription disabled now, after an hour of 503s. */
    static OperationRecord disabled(String subscription) {
        return new OperationRecord(
                OperationRecord.DISABLED,
                subscription,
                Instant.now().toString(),
                Instant.now().minusSeconds(3600).toString(),
                503,
                "5xx",
                1L,
                0L,
                "PT1H",
                "f",
                "pod");
    }
}
