package io.webhookdispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.config.ConfigKey.Type;
import io.webhookdispatcher.config.ConfigKeys.Documented;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The config keys are declared once ({@link ConfigKeys}, {@link SubscriptionSchema}); the documented reference table
 * and the chart's values schema are written by hand, so these tests hold them to the declarations.
 */
class ConfigReferenceTest {
    /** The file whose {@code | key | default | meaning |} table is the config reference. */
    static final Path REFERENCE = Path.of("docs/configuration.md");

    static final Path CHART_SCHEMA = Path.of("helm/webhook-dispatcher/values.schema.json");

    static final Path CHART_VALUES = Path.of("helm/webhook-dispatcher/values.yaml");

    /** Chart values that differ from the dispatcher's defaults on purpose. */
    static final Set<String> CHART_DEFAULTS_OF_ITS_OWN = Set.of(
            "kafka.bootstrapServers", // a Kubernetes service, not localhost
            "delivery.maxBufferedBytes"); // sized for the chart's memory limit (its README's "Memory" section)

    /** Chart values that are no dispatcher keys: the chart turns them into other resources or settings. */
    static final Set<String> CHART_ONLY = Set.of(
            "kafka.sasl", // written into kafka.properties by the templates
            "metrics.scrapeAnnotations",
            "metrics.serviceMonitor",
            "metrics.prometheusRule",
            "metrics.dashboard",
            "subscriptions[].secretRef", // becomes secret: ${ENV} or secretFile
            "ingest.sources[].secretRef", // the same for an ingest source
            "ingest.networkPolicyFrom"); // who may reach the ingest port, when networkPolicy is on

    /** Dispatcher keys the chart's values do not take: it writes them itself. */
    static final Set<String> NOT_IN_CHART = Set.of(
            "subscriptions[].secret",
            "subscriptions[].secrets",
            "subscriptions[].secretFile",
            "ingest.sources[].secret",
            "ingest.sources[].secrets",
            "ingest.sources[].secretFile");

    private static final Pattern CODE = Pattern.compile("`([^`]*)`");

    private final Map<String, Documented> declared = ConfigKeys.reference().stream()
            .collect(Collectors.toMap(Documented::path, d -> d, (a, b) -> a, LinkedHashMap::new));

    /** One row of the table, per key: {@code delivery.circuitBreaker.failureRatio}, {@code `0.5`}. */
    record Row(String key, String defaultCell) {}

    @Test
    void shouldDocumentExactlyTheDeclaredKeys() throws IOException {
        List<Row> rows = table();
        Set<String> documented = new TreeSet<>();
        for (Row row : rows) {
            assertThat(declared).as("a documented key that is not declared").containsKey(row.key());
            documented.addAll(leavesOf(row.key()));
        }

        assertThat(documented).as("documented keys").containsExactlyInAnyOrderElementsOf(leavesOf(""));
        assertThat(rows.stream().map(Row::key)).doesNotHaveDuplicates();
    }

    @Test
    void shouldDocumentTheDeclaredDefaults() throws IOException {
        for (Row row : table()) {
            if (row.defaultCell().isEmpty()) {
                continue; // "as secret": the row above gives it
            }
            String declaredDefault = declared.get(row.key()).defaultDoc();
            assertThat(row.defaultCell())
                    .as("the documented default of " + row.key())
                    .satisfiesAnyOf(
                            cell -> assertThat(cell).isEqualTo(declaredDefault),
                            cell -> assertThat(cell).startsWith(declaredDefault + " ("));
        }
    }

    @Test
    void shouldAgreeWithTheChartSchemaOnEveryKeyItPassesOn() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(CHART_SCHEMA.toFile());
        var covered = new TreeSet<String>();
        for (ConfigKey<?> section : ConfigKeys.ROOT.fields()) {
            JsonNode node = schema.path("properties").path(section.name());
            boolean list = section.type() == Type.LIST_OF_MAPPINGS;
            JsonNode properties = (list ? node.path("items") : node).path("properties");
            compare(section.name() + (list ? "[]" : ""), properties, schema, covered);
        }

        Set<String> missing = new TreeSet<>(leavesOf(""));
        missing.removeAll(covered);
        missing.removeAll(NOT_IN_CHART);
        missing.removeIf(path -> path.contains("tls.")); // the chart's tls is its own shape: a mounted Secret's keys
        assertThat(missing)
                .as("declared keys the chart's values schema does not take")
                .isEmpty();
        assertThat(texts(schema.at("/properties/subscriptions/items/required")))
                .as("the keys a subscription requires")
                .containsExactlyInAnyOrderElementsOf(SubscriptionSchema.SUBSCRIPTIONS.fields().stream()
                        .filter(ConfigKey::required)
                        .filter(k -> !NOT_IN_CHART.contains("subscriptions[]." + k.name()))
                        .map(ConfigKey::name)
                        .toList());
        assertThat(texts(schema.at("/definitions/tls/properties/trust/enum")))
                .isEqualTo(ConfigKeys.TlsKeys.TRUST.allowed());
    }

    @Test
    void shouldShipTheDeclaredDefaultsInTheChartsValues() throws IOException {
        JsonNode values = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(CHART_VALUES.toFile());
        int compared = 0;
        for (Documented d : declared.values()) {
            Matcher literal = CODE.matcher(d.defaultDoc());
            JsonNode value = values.at("/" + d.path().replace('.', '/'));
            if (!d.path().startsWith("subscriptions")
                    && !CHART_DEFAULTS_OF_ITS_OWN.contains(d.path())
                    && d.key().fields().isEmpty()
                    && literal.matches()
                    && d.key().inherits().isEmpty()
                    && !value.isMissingNode()) {
                assertThat(written(value))
                        .as("the chart's value of " + d.path())
                        .isEqualTo(literal.group(1));
                compared++;
            }
        }
        assertThat(compared).as("keys compared").isGreaterThan(30);
    }

    @Test
    void shouldListTheKeysThatExpandReferencesInTheReference() throws IOException {
        List<String> lines = Files.readAllLines(REFERENCE);
        int start = lines.indexOf("| field | where `${…}` may stand |");
        assertThat(start).as("the ${…} table in " + REFERENCE).isNotNegative();
        Set<String> documented = new TreeSet<>();
        for (String line : lines.subList(start + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            documented.addAll(keys(line.split("\\|", 3)[1]).stream()
                    .map(k -> k.endsWith("[]") ? k.substring(0, k.length() - 2) : k) // secrets[]: the list
                    .toList());
        }

        assertThat(documented).containsExactlyInAnyOrderElementsOf(expanding());
    }

    @Test
    void shouldExpandReferencesOnlyInTheKeysTheErrorMessageNames() {
        Set<String> named = new TreeSet<>();
        Matcher m = Pattern.compile("[a-z]+(?:(?:\\[])?\\.[A-Za-z]+)+").matcher(Expansion.EXPANDED_IN);
        while (m.find()) {
            named.add(m.group());
        }

        assertThat(named).containsExactlyInAnyOrderElementsOf(expanding());
    }

    private Set<String> expanding() {
        return declared.values().stream()
                .filter(d -> d.key().expansion().isPresent())
                .map(Documented::path)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** A value of the chart as the reference writes it: {@code 10s}, {@code [5s, 5m]}, {@code {}}. */
    private static String written(JsonNode value) {
        if (value.isArray()) {
            return texts(value).stream().collect(Collectors.joining(", ", "[", "]"));
        }
        return value.isObject() && value.isEmpty() ? "{}" : value.asText();
    }

    @Test
    void shouldReadEachLiteralDefaultAsTheDeclaredValue() throws IOException {
        var yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
        int compared = 0;
        for (Documented d : declared.values()) {
            Matcher literal = CODE.matcher(d.key().defaultDoc());
            if (!literal.matches() || d.key().inherits().isPresent() || d.key().defaultValue() == null) {
                continue;
            }
            // given: the default written into the file
            var mapping = (com.fasterxml.jackson.databind.node.ObjectNode)
                    yaml.readTree(d.key().name() + ": " + literal.group(1));
            var errors = new ConfigErrors("f");

            // when
            Object read = d.key().read(new Node(mapping, "", errors, name -> null));

            // then
            assertThat(errors.messages()).as(d.path()).isEmpty();
            assertThat(read).as(d.path()).isEqualTo(d.key().defaultValue());
            compared++;
        }
        assertThat(compared).as("keys compared").isGreaterThan(40);
    }

    @Test
    void shouldDeclareTheBreakersOwnDefaults() {
        assertThat(ConfigKeys.Breaker.defaults()).isEqualTo(CircuitBreaker.Settings.DEFAULTS);
    }

    /** The reference table's rows, one per key ({@code `a.b`, `.c`} is two keys). */
    private static List<Row> table() throws IOException {
        List<String> lines = Files.readAllLines(REFERENCE);
        int start = lines.indexOf("| key | default | meaning |");
        assertThat(start).as("the config reference table in " + REFERENCE).isNotNegative();
        var rows = new ArrayList<Row>();
        for (String line : lines.subList(start + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.split("\\|", 4); // "", key, default, meaning
            List<String> keys = keys(cells[1]);
            String cell = cells[2].trim();
            List<String> parts = List.of(cell.split(", "));
            boolean perKey = keys.size() > 1
                    && parts.size() == keys.size()
                    && parts.stream().allMatch(p -> p.matches("`[^`]*`"));
            for (int i = 0; i < keys.size(); i++) {
                rows.add(new Row(keys.get(i), perKey ? parts.get(i) : cell));
            }
        }
        return rows;
    }

    /** {@code `delivery.circuitBreaker.failureRatio`, `.window`}: the second is a sibling of the first. */
    private static List<String> keys(String cell) {
        var keys = new ArrayList<String>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            String key = m.group(1);
            keys.add(key.startsWith(".") ? keys.get(0).substring(0, keys.get(0).lastIndexOf('.')) + key : key);
        }
        return keys;
    }

    /** The declared single values at or under {@code path} ("" for all): a mapping row stands for its keys. */
    private Set<String> leavesOf(String path) {
        return declared.values().stream()
                .filter(d -> d.key().fields().isEmpty())
                .map(Documented::path)
                .filter(p -> path.isEmpty() || p.equals(path) || p.startsWith(path + ".") || p.startsWith(path + "[]."))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Each of the schema's keys under {@code prefix} against its declaration. */
    private void compare(String prefix, JsonNode properties, JsonNode schema, Set<String> covered) {
        properties.fields().forEachRemaining(e -> {
            String path = prefix + "." + e.getKey();
            JsonNode property = e.getValue();
            if (CHART_ONLY.contains(path) || e.getKey().equals("tls")) {
                return;
            }
            assertThat(declared).as("a chart value that is no dispatcher key").containsKey(path);
            ConfigKey<?> key = declared.get(path).key();
            assertThat(jsonType(property)).as("the type of " + path).isEqualTo(jsonType(key.type()));
            if (property.has("enum")) {
                assertThat(texts(property.path("enum")))
                        .as("the values of " + path)
                        .isEqualTo(key.allowed());
            }
            checkDefault(path, key, property);
            covered.add(path);
            if (key.type() == Type.LIST_OF_MAPPINGS) { // ingest.sources: its items' keys
                compare(path + "[]", property.path("items").path("properties"), schema, covered);
            } else {
                compare(path, property.path("properties"), schema, covered);
            }
        });
    }

    /** A declared literal default must be a value the chart accepts. */
    private static void checkDefault(String path, ConfigKey<?> key, JsonNode property) {
        Matcher literal = Pattern.compile("`([^`]*)`").matcher(key.defaultDoc());
        if (!literal.matches() || key.inherits().isPresent()) {
            return;
        }
        String value = literal.group(1);
        if (property.has("pattern")) {
            assertThat(value)
                    .as("the default of " + path)
                    .matches(property.path("pattern").asText());
        }
        if (property.has("minimum")) {
            assertThat(Double.parseDouble(value))
                    .as("the default of " + path)
                    .isGreaterThanOrEqualTo(property.path("minimum").asDouble());
        }
        if (property.has("maximum")) {
            assertThat(Double.parseDouble(value))
                    .as("the default of " + path)
                    .isLessThanOrEqualTo(property.path("maximum").asDouble());
        }
    }

    private static String jsonType(JsonNode property) {
        if (property.has("oneOf")) {
            return "size";
        }
        if (property.has("enum")) {
            return "string";
        }
        String type = property.path("type").asText();
        return type.equals("string") && property.path("pattern").asText().contains("(ms|s|m|h|d)") ? "duration" : type;
    }

    private static String jsonType(Type type) {
        return switch (type) {
            case STRING -> "string";
            case BOOLEAN -> "boolean";
            case INTEGER -> "integer";
            case NUMBER -> "number";
            case DURATION -> "duration";
            case SIZE -> "size";
            case LIST, LIST_OF_MAPPINGS -> "array";
            case MAPPING -> "object";
        };
    }

    private static List<String> texts(JsonNode array) {
        var result = new ArrayList<String>();
        array.forEach(item -> result.add(item.asText()));
        return result;
    }
}
