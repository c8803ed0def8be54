package io.webhookdispatcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.config.ConfigKeys.Ingest;
import io.webhookdispatcher.dispatch.Signing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code ingest} section: the port, and each source with its secrets, read by the same code as a subscription's
 * ({@link SubscriptionSchema#secrets}), so a source's {@code secret}, {@code secrets} and {@code secretFile} mean, expand
 * and fail exactly as a subscription's do.
 */
final class IngestSection {
    private IngestSection() {}

    /** {@code ingest.port}: a port, 0 for a free one; unset, off. */
    static Optional<Integer> port(Node n, String key, Optional<Integer> fallback) {
        if (!n.hasValue(key)) {
            n.take(key);
            return fallback;
        }
        int port = Values.port(n, key, -1);
        return port < 0 ? fallback : Optional.of(port);
    }

    /** @param managementPort the management port, which the ingest port must not be */
    static DispatcherConfig.Ingest read(Node top, int managementPort) {
        Node n = top.section(Ingest.SECTION.name());
        Optional<Integer> port = Ingest.PORT.read(n);
        String address = Ingest.ADDRESS.read(n);
        List<DispatcherConfig.IngestSource> sources = sources(n);
        n.rejectUnknownKeys();
        if (port.isPresent() && port.get() != 0 && port.get() == managementPort) {
            n.error(Ingest.PORT.name(), "must differ from management.port (" + managementPort + ")");
        }
        if (port.isPresent() && sources.isEmpty() && !n.failed(Ingest.SOURCES.name())) {
            n.error(Ingest.SOURCES.name(), "is required with ingest.port: who may post, with their secrets");
        }
        return new DispatcherConfig.Ingest(port, address, sources);
    }

    private static List<DispatcherConfig.IngestSource> sources(Node n) {
        String key = Ingest.SOURCES.name();
        JsonNode list = n.take(key);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            n.error(key, "must be a list of sources (id, secret)");
            return List.of();
        }
        var result = new ArrayList<DispatcherConfig.IngestSource>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode id = entry.get(Ingest.SOURCE_ID.name());
            String label = id != null && id.isTextual() && !ids.contains(id.asText()) ? id.asText() : String.valueOf(i);
            if (!entry.isObject()) {
                n.error(key + "[" + label + "]", "must be a mapping with id and secret");
                continue;
            }
            source(new Node((ObjectNode) entry, n.path(key + "[" + label + "]"), n.errors(), n.env()), ids)
                    .ifPresent(result::add);
        }
        return result;
    }

    private static Optional<DispatcherConfig.IngestSource> source(Node s, Set<String> ids) {
        int before = s.errors().count();
        String id = Ingest.SOURCE_ID.read(s);
        if (id == null) {
            if (!s.failed(Ingest.SOURCE_ID.name())) {
                s.error(Ingest.SOURCE_ID.name(), "is required");
            }
        } else if (!SubscriptionSchema.SUBSCRIPTION_ID.matcher(id).matches()) {
            s.error(Ingest.SOURCE_ID.name(), "'" + id + "' must be lowercase letters, digits, '.', '_' or '-'");
        } else if (!ids.add(id)) {
            s.error(Ingest.SOURCE_ID.name(), "duplicate id '" + id + "'");
        }
        Signing.Scheme scheme = Ingest.SIGNATURE.read(s);
        Optional<SubscriptionSchema.Secrets> secrets = SubscriptionSchema.secrets(s);
        String keyField = Ingest.KEY_FIELD.read(s);
        s.rejectUnknownKeys();
        if (s.errors().count() > before || secrets.isEmpty()) {
            return Optional.empty();
        }
        var signing = new Signing(scheme, secrets.get().secrets(), secrets.get().file());
        return Optional.of(new DispatcherConfig.IngestSource(id, signing, keyField));
    }
}
