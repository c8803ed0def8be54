package io.webhookdispatcher.dispatch;

import java.time.Instant;
import java.util.Locale;

/**
 * Where each attempt's outcome is reported for the delivery log ({@code topics.attempts}). Informational only:
 * an implementation never blocks and never throws, and nothing it does decides a commit — losing a record costs
 * a line in the log, never a delivery.
 */
public interface AttemptLog {
    /** {@code topics.attempts} unset. */
    AttemptLog NONE = (delivery, outcome, startedAt, verdict, reason) -> {};

    /** What an attempt (or a decision made without one) came to, as the log's {@code outcome} field says it. */
    enum Verdict {
        DELIVERED,
        RETRY_SCHEDULED,
        /** Not attempted now (queue full, slow, rate-limited): back on the retry path, no attempt used. */
        DEFERRED,
        /** Not attempted: the subscription's circuit is open. */
        CIRCUIT_OPEN,
        DEAD_LETTERED,
        /** Its partition moved to another replica before the outcome was written: the next owner redoes it. */
        REBALANCED;

        public final String label = name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param outcome   the HTTP attempt's outcome, or null when no attempt was made (a deferral, an abandonment)
     * @param startedAt when the attempt started, or when the decision was made if there was none
     * @param reason    the deferral or dead-letter reason, or null
     */
    void record(Delivery delivery, DeliveryOutcome outcome, Instant startedAt, Verdict verdict, String reason);
}
