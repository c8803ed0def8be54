package io.webhookdispatcher.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** What the admin API answers: a status, its headers and a body (JSON, or none). */
public record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Answer {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    static Answer json(int status, JsonNode body) {
        try {
            return new Answer(status, "application/json", JSON.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static Answer empty(int status) {
        return new Answer(status, "application/json", new byte[0], Map.of());
    }

    Answer withHeader(String name, String value) {
        var next = new LinkedHashMap<>(headers);
        next.put(name, value);
        return new Answer(status, contentType, body, next);
    }

    Answer withContentType(String type) {
        return new Answer(status, type, body, headers);
    }
}
