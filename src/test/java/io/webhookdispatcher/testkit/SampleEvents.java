package io.webhookdispatcher.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** CRM-shaped events, as the seed document's example: {@code {"event", "data", "timestamp"}}. */
public final class SampleEvents {
    public static final List<String> TYPES = List.of(
            "person.created",
            "person.updated",
            "person.deleted",
            "company.created",
            "company.updated",
            "company.deleted",
            "note.created",
            "note.updated",
            "note.deleted");

    private SampleEvents() {}

    /** An event of about {@code size} bytes (at least ~150) whose record id is {@code id}. */
    public static byte[] event(String type, String id, int size) {
        String head = "{\"event\":\"" + type + "\",\"data\":{\"id\":\"" + id + "\",\"name\":\"Nguyễn Văn An\","
                + "\"email\":\"an@example.com\",\"notes\":\"";
        String tail = "\"},\"timestamp\":\"" + Instant.now() + "\"}";
        int pad = Math.max(0, size - head.length() - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] event(String type, String id) {
        return event(type, id, 200);
    }

    /** The record id inside an event body made by {@link #event}. */
    public static String idOf(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        int start = s.indexOf("\"id\":\"") + 6;
        return s.substring(start, s.indexOf('"', start));
    }

    public static String typeOf(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        int start = s.indexOf("\"event\":\"") + 9;
        return s.substring(start, s.indexOf('"', start));
    }
}
