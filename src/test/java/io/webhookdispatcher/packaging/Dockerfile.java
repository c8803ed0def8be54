package io.webhookdispatcher.packaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The final stage of a Dockerfile, read just far enough to check it against the chart: continuation
 * lines joined, comments dropped, exec-form ENTRYPOINT and CMD parsed as the JSON arrays they are.
 */
record Dockerfile(List<Instruction> finalStage) {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Instruction(String keyword, String arguments) {}

    static Dockerfile read(Path file) throws IOException {
        var logical = new ArrayList<String>();
        var current = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            logical.add(current.append(trimmed).toString());
            current.setLength(0);
        }
        var stage = new ArrayList<Instruction>();
        for (String line : logical) {
            String[] parts = line.split("\\s+", 2);
            var instruction = new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : "");
            if (instruction.keyword().equals("FROM")) {
                stage.clear();
            }
            stage.add(instruction);
        }
        return new Dockerfile(List.copyOf(stage));
    }

    /** The last value of an instruction in the final stage, as Docker applies it. */
    Optional<String> last(String keyword) {
        String found = null;
        for (Instruction i : finalStage) {
            if (i.keyword().equals(keyword)) {
                found = i.arguments();
            }
        }
        return Optional.ofNullable(found);
    }

    /** ENTRYPOINT followed by CMD: what the container runs when the pod gives neither. */
    List<String> effectiveCommand() {
        var command = new ArrayList<String>(execForm("ENTRYPOINT"));
        command.addAll(execForm("CMD"));
        return command;
    }

    /** Sources and destination of each {@code COPY --from=...} in the final stage. */
    List<List<String>> copiesFromOtherStages() {
        return finalStage.stream()
                .filter(i -> i.keyword().equals("COPY") && i.arguments().startsWith("--from="))
                .map(i -> Arrays.stream(i.arguments().split("\\s+"))
                        .filter(a -> !a.startsWith("--"))
                        .toList())
                .toList();
    }

    private List<String> execForm(String keyword) {
        return last(keyword)
                .map(arguments -> {
                    try {
                        return JSON.readValue(arguments, new TypeReference<List<String>>() {});
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                keyword + " is not in exec form (a JSON array): " + arguments, e);
                    }
                })
                .orElse(List.of());
    }
}
