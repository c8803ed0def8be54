package io.webhookdispatcher.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Kubernetes objects {@code helm template} printed, with the few look-ups the packaging tests need. */
record RenderedChart(List<JsonNode> objects) {
    static final String CONFIG_KEY = "dispatcher.yaml";
    private static final YAMLMapper YAML = new YAMLMapper();

    static RenderedChart parse(String manifests) throws IOException {
        var objects = new ArrayList<JsonNode>();
        try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(manifests)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && document.isObject()) {
                    objects.add(document);
                }
            }
        }
        return new RenderedChart(List.copyOf(objects));
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()))
                .toList();
    }

    JsonNode only(String kind) {
        List<JsonNode> found = ofKind(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The ConfigMap that holds the dispatcher's config file. */
    JsonNode configMap() {
        List<JsonNode> found = ofKind("ConfigMap").stream()
                .filter(c -> c.path("data").has(CONFIG_KEY))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one ConfigMap with " + CONFIG_KEY + ", found " + found.size());
        }
        return found.get(0);
    }

    String configText() {
        return configMap().path("data").path(CONFIG_KEY).asText();
    }

    JsonNode config() throws IOException {
        return YAML.readTree(configText());
    }

    JsonNode podSpec() {
        return only("Deployment").path("spec").path("template").path("spec");
    }

    JsonNode container() {
        for (JsonNode c : podSpec().path("containers")) {
            if (c.path("name").asText().equals("dispatcher")) {
                return c;
            }
        }
        throw new AssertionError("no container named dispatcher");
    }

    Optional<JsonNode> volume(String name) {
        for (JsonNode v : podSpec().path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** The container port's number for a port name, as probes and Services refer to it. */
    int containerPort(String name) {
        for (JsonNode p : container().path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("the container has no port named " + name);
    }

    /**
     * The environment the container would start with: literal values as they are, values from Secrets
     * (or other sources) as stand-ins, since a config check needs them set but not real.
     */
    Map<String, String> containerEnvironment() {
        var env = new LinkedHashMap<String, String>();
        for (JsonNode e : container().path("env")) {
            String name = e.path("name").asText();
            if (e.has("value")) {
                env.put(name, e.path("value").asText());
            } else if (e.path("valueFrom").has("secretKeyRef")) {
                env.put(name, "stand-in-secret-for-" + name);
            } else {
                env.put(name, "stand-in-for-" + name);
            }
        }
        return env;
    }

    /** Decoded values of the Secrets the chart itself creates. */
    List<String> createdSecretValues() {
        var values = new ArrayList<String>();
        for (JsonNode secret : ofKind("Secret")) {
            secret.path("data")
                    .forEach(v ->
                            values.add(new String(Base64.getDecoder().decode(v.asText()), StandardCharsets.UTF_8)));
        }
        return values;
    }
}
