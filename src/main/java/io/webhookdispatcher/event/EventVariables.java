package io.webhookdispatcher.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.cel.common.values.NullValue;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables a {@link PayloadFilter} sees, read from an event's bytes in one pass. Only built when a matching
 * subscription has a filter, once per record for all of them; the bytes POSTed stay the consumed ones.
 *
 * <p>JSON values become CEL values: objects maps, arrays lists, integers {@code int} (beyond 64 bits, {@code
 * double}), other numbers {@code double}, {@code null} CEL's null.
 */
public final class EventVariables {
    static final String EVENT = "event";
    static final String DATA = "data";
    static final String TIMESTAMP = "timestamp";
    static final String PAYLOAD = "payload";

    private static final JsonFactory JSON = new JsonFactory();

    private EventVariables() {}

    /**
     * @param value an event that {@link CrmEvent#parse} accepted (a JSON object without duplicate names)
     * @throws IOException if it cannot be read after all (a nesting deeper than the parser allows)
     */
    public static Map<String, Object> of(byte[] value, CrmEvent event) throws IOException {
        Map<String, Object> payload;
        try (JsonParser p = JSON.createParser(value)) {
            p.nextToken();
            payload = object(p);
        }
        var vars = new HashMap<String, Object>(8);
        vars.put(EVENT, event.type().toString());
        vars.put(PAYLOAD, payload);
        if (data(payload) instanceof Map<?, ?> data) {
            vars.put(DATA, data);
        }
        Instant at = event.occurredAt();
        if (at != null) {
            vars.put(TIMESTAMP, at);
        }
        return vars;
    }

    /**
     * The record an event is about, whatever its shape: a metadata event's {@code event.properties.after} (the
     * metadata item after the change), or its {@code before} when there is no after (a delete); the docs shape's
     * {@code data}; the CRM's record events' {@code record}. Null (unbound) when the event has none of them.
     */
    private static Object data(Map<String, Object> payload) {
        if (payload.get("event") instanceof Map<?, ?> change) {
            Object properties = change.get("properties");
            if (!(properties instanceof Map<?, ?> p)) {
                return null;
            }
            return p.get("after") instanceof Map<?, ?> after ? after : p.get("before");
        }
        return payload.containsKey("data") ? payload.get("data") : payload.get("record");
    }

    private static Map<String, Object> object(JsonParser p) throws IOException {
        var map = new LinkedHashMap<String, Object>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            map.put(name, value(p));
        }
        return map;
    }

    private static Object value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> object(p);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT ->
                p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getDoubleValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> NullValue.NULL_VALUE;
        };
    }
}
