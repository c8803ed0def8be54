package io.webhookdispatcher.store;

import io.webhookdispatcher.metrics.DispatcherMetrics;
import io.webhookdispatcher.metrics.StoreMeters;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the store tells the operator about records it does not apply: a log line and a count by reason
 * ({@code webhook_store_skipped_total}). Each record is reported once, when read (or when the file starts using its id).
 */
public final class StoreReport {
    private static final Logger log = LoggerFactory.getLogger(StoreReport.class);
    static final String CLASH = "yaml_conflict";
    static final String INVALID = "invalid";
    static final String MISSING_KEY = "missing_key";

    private final StoreMeters metrics; // null: quiet

    /** @param applied how many of the topic's subscriptions are applied now, for the gauge */
    public StoreReport(DispatcherMetrics metrics, java.util.function.Supplier<Number> applied) {
        this.metrics = new StoreMeters(Objects.requireNonNull(metrics, "metrics"), applied, reasons());
    }

    private StoreReport() {
        this.metrics = null;
    }

    /** Reports nothing: for a command that shows each record's status itself. */
    public static StoreReport quiet() {
        return new StoreReport();
    }

    /** The reasons of {@code webhook_store_skipped_total}, registered at zero. */
    public static List<String> reasons() {
        return List.of(CLASH, INVALID, MISSING_KEY);
    }

    /** The topic has a subscription whose id the config file has too: the file's is the one that runs. */
    void clashesWithFile(String id) {
        if (metrics == null) {
            return;
        }
        log.warn(
                "subscription {} of topics.subscriptions is not applied: the config file has a subscription with that"
                        + " id, which stays; delete one of them",
                id);
        metrics.skipped(CLASH);
    }

    /** A record that cannot be used; its previous version, if any, is no longer applied either. */
    void unusable(String id, StoredSchema.Unusable why) {
        if (metrics == null) {
            return;
        }
        log.error("subscription {} of topics.subscriptions is not applied: {}", id, String.join("; ", why.messages()));
        metrics.skipped(why.missingKey() ? MISSING_KEY : INVALID);
    }
}
