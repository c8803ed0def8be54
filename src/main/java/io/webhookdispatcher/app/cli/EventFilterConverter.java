package io.webhookdispatcher.app.cli;

import io.webhookdispatcher.event.EventFilter;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --event GLOB}: {@code *}, {@code object.*}, {@code *.action} or {@code object.action}. */
final class EventFilterConverter implements ITypeConverter<EventFilter> {
    @Override
    public EventFilter convert(String value) {
        try {
            return EventFilter.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
