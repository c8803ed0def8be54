package io.webhookdispatcher.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webhookdispatcher.admin.OpenApi;
import io.webhookdispatcher.admin.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/api.md, the API reference, says what the served OpenAPI document says: the same operations and problems. */
class ApiReferenceTest {
    private static final Pattern OPERATION_ROW = Pattern.compile("^\\| `(GET|POST|PUT|PATCH|DELETE) (/v1/[^`]*)` \\|");
    private static final Pattern PROBLEM_ROW = Pattern.compile("^\\| `([a-z-]+)` \\| (\\d{3}) \\|");

    private final JsonNode document = read();
    private final List<String> lines = lines();

    @Test
    void shouldListExactlyTheOperationsOfTheOpenApiDocument() {
        Set<String> served = new HashSet<>();
        document.path("paths")
                .fields()
                .forEachRemaining(path -> path.getValue()
                        .fieldNames()
                        .forEachRemaining(method -> served.add(method.toUpperCase() + " " + path.getKey())));
        Set<String> documented = new HashSet<>();
        for (String line : lines) {
            var m = OPERATION_ROW.matcher(line);
            if (m.find()) {
                documented.add(m.group(1) + " " + m.group(2));
            }
        }

        assertThat(documented).isEqualTo(served).hasSize(11);
    }

    @Test
    void shouldListEveryProblemTypeWithItsStatus() {
        List<String> documented = new ArrayList<>();
        for (String line : lines) {
            var m = PROBLEM_ROW.matcher(line);
            if (m.find()) {
                documented.add(m.group(1) + " " + m.group(2));
            }
        }
        List<String> declared = new ArrayList<>();
        for (Problem.Kind kind : Problem.Kind.values()) {
            declared.add(kind.slug + " " + kind.status);
        }

        assertThat(documented).containsExactlyInAnyOrderElementsOf(declared);
        assertThat(document.at("/components/schemas/Problem/properties/type/enum")
                        .size())
                .isEqualTo(Problem.Kind.values().length);
    }

    @Test
    void shouldNameTheSubscriptionKeysOfTheDocument() {
        String text = String.join("\n", lines);
        document.at("/components/schemas/Subscription/properties")
                .fieldNames()
                .forEachRemaining(key -> assertThat(text).as(key).contains("`" + key + "`"));
    }

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(OpenApi.document("test"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(Path.of("docs/api.md"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
