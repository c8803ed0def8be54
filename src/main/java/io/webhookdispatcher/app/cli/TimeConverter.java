package io.webhookdispatcher.app.cli;

import io.webhookdispatcher.config.Durations;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An ISO-8601 instant ({@code 2025-02-10T15:30:00Z}) or a duration ago ({@code 2h}). */
final class TimeConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return Instant.now().minus(Durations.parse(value));
            } catch (RuntimeException e) {
                throw new TypeConversionException("'" + value + "' is neither an ISO-8601 instant "
                        + "(2025-02-10T15:30:00Z) nor a duration such as 2h");
            }
        }
    }
}
