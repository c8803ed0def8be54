package io.webhookdispatcher.bench;

import io.webhookdispatcher.event.CrmEvent;
import io.webhookdispatcher.event.EventVariables;
import io.webhookdispatcher.event.PayloadFilter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The per-event cost of a payload filter, in a plain loop (not a test: timings on a shared machine are not
 * assertions): the type-only parse every event gets, the full parse a filtered event adds once, and one evaluation
 * of a typical filter, which each filtered subscription adds. {@code java -cp ... io.webhookdispatcher.bench.FilterCost}
 */
public final class FilterCost {
    private static final byte[] EVENT =
            ("{\"event\":\"opportunity.updated\",\"data\":{\"id\":\"8d0f3c4e-1b2a-4c5d-9e8f-"
                            + "0a1b2c3d4e5f\",\"name\":\"Renewal 2027\",\"stage\":\"WON\",\"amount\":{\"amountMicros\":2500000000,"
                            + "\"currencyCode\":\"EUR\"},\"closeDate\":\"2026-12-15T00:00:00Z\",\"probability\":100,"
                            + "\"companyId\":\"c-1\",\"pointOfContactId\":\"p-1\",\"position\":3,\"createdAt\":"
                            + "\"2026-01-05T09:00:00Z\",\"updatedAt\":\"2026-11-30T10:00:00Z\",\"deletedAt\":null},"
                            + "\"timestamp\":\"2026-11-30T10:00:00Z\",\"workspaceId\":\"w-1\"}")
                    .getBytes(StandardCharsets.UTF_8);
    private static final int ROUNDS = 5;
    private static final int PER_ROUND = 200_000;

    private FilterCost() {}

    public static void main(String[] args) throws Exception {
        var filter = PayloadFilter.compile("data.stage == \"WON\" && data.amount.amountMicros > 1000000000");
        CrmEvent event = CrmEvent.parse(EVENT, 1 << 20);
        Map<String, Object> vars = EventVariables.of(EVENT, event);
        System.out.printf("event of %d bytes%n", EVENT.length);
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += CrmEvent.parse(EVENT, 1 << 20).type().hashCode();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += EventVariables.of(EVENT, event).size();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += filter.test(vars).ordinal();
            }
            long t3 = System.nanoTime();
            System.out.printf(
                    "round %d: type-only parse %.0f ns, full parse for filters %.0f ns, one evaluation %.0f ns%n",
                    round,
                    (t1 - t0) / (double) PER_ROUND,
                    (t2 - t1) / (double) PER_ROUND,
                    (t3 - t2) / (double) PER_ROUND);
        }
        System.out.println(List.of(sink).isEmpty()); // keeps the loops from being optimised away
    }
}
