package io.webhookdispatcher.config;

/**
 * Escaping for {@code sasl.jaas.config}, whose option values are JAAS quoted strings: Kafka's {@code JaasConfig}
 * reads them with a {@link java.io.StreamTokenizer}, where a backslash escapes the next character and a bare
 * {@code "} ends the string. An unescaped {@code "} in an interpolated password ended the value early and made
 * the rest of the password part of the parse error that Kafka logs.
 */
final class JaasText {
    /** The Kafka property whose interpolated values are escaped. */
    static final String PROPERTY = "sasl.jaas.config";

    private JaasText() {}

    /** {@code value} as the inside of a JAAS quoted string: {@code \} and {@code "} backslash-escaped. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * Whether {@code value} holds a character no escaping carries through Kafka's tokenizer: a line break ends a
     * quoted string (and the rest of the secret became a key in Kafka's error), other control characters are
     * never part of a credential.
     */
    static boolean hasLineBreakOrControl(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }

    /**
     * Whether {@code index} of a JAAS config text is inside a quoted string: {@code password="${PW}"} is, so the
     * value is escaped; {@code ${WHOLE_JAAS_CONFIG}} is not, and is taken as it is.
     */
    static boolean insideQuotes(String text, int index) {
        boolean inside = false;
        for (int i = 0; i < index; i++) {
            char c = text.charAt(i);
            if (inside && c == '\\') {
                i++; // the escaped character
            } else if (c == '"') {
                inside = !inside;
            }
        }
        return inside;
    }
}
