package io.webhookdispatcher.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CRM's real webhook bodies, {@code src/test/resources/twenty/*.json}: each file is what its webhook job POSTs,
 * byte for byte (written by {@code make-corpus.js} there). A file is named {@code <eventName>.json}, or
 * {@code <eventName>--<what>.json} when a type has more than one example.
 */
public final class TwentyCorpus {
    public static final Path DIR = Path.of("src/test/resources/twenty");

    /** One body: {@code name} is the file's name without {@code .json}, {@code eventName} the type it carries. */
    public record Example(String name, String eventName, byte[] body) {
        public boolean metadata() {
            return eventName.startsWith("metadata.");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private TwentyCorpus() {}

    /** Every example, by name. */
    public static List<Example> all() {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .map(TwentyCorpus::read)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The example {@code name}, such as {@code person.created} or {@code note.created--large}. */
    public static Example get(String name) {
        return read(DIR.resolve(name + ".json"));
    }

    private static Example read(Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        int tag = name.indexOf("--");
        try {
            return new Example(name, tag < 0 ? name : name.substring(0, tag), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
