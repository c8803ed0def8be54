package io.webhookdispatcher.config;

/**
 * Where a key's {@code ${…}} references may stand; each rule is quoted in the error that breaks it. Only the keys
 * listed in {@link #EXPANDED_IN} declare one ({@link ConfigKey#expansion()}): the threat model in docs/security.md says why.
 */
enum Expansion {
    /** A signing secret: anywhere in the value, which is never shown. */
    CREDENTIAL(""),
    /** A Kafka password or plugin key, as a secret; Kafka's own {@code ${provider:…}} only if providers are on. */
    KAFKA(""),
    /**
     * A URL: one reference that begins it and is followed by nothing, a path or a query, so the variable names
     * the scheme and host. A host written in the file with a variable after it would send that variable there.
     */
    URL("${…} in a URL must begin it, once, followed by nothing, '/' or '?' (the variable names the scheme and"
            + " host)"),
    /** The whole value is one reference: text around it could turn any variable into a host name to look up. */
    WHOLE("${…} must be the whole value");

    /** Where {@code ${…}} is expanded; quoted in the error for a reference anywhere else. */
    static final String EXPANDED_IN = "subscriptions[].url, subscriptions[].secret, subscriptions[].secrets,"
            + " ingest.sources[].secret, ingest.sources[].secrets,"
            + " kafka.bootstrapServers and the kafka.properties values of password and plugin keys";

    final String rule;

    Expansion(String rule) {
        this.rule = rule;
    }

    /** Whether a reference at {@code [start, end)}, after {@code before} others, may stand there. */
    boolean allows(String written, int start, int end, int before) {
        return switch (this) {
            case CREDENTIAL, KAFKA -> true;
            case URL ->
                before == 0 && start == 0 && (end == written.length() || "/?".indexOf(written.charAt(end)) >= 0);
            case WHOLE -> before == 0 && start == 0 && end == written.length();
        };
    }

    /** Whether a {@code ${…}} that names no environment variable is passed on as written (to Kafka). */
    boolean passesOn() {
        return this == KAFKA && KafkaClientSettings.configProvidersEnabled();
    }
}
