package io.webhookdispatcher.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A subscription's {@code secretFile}: one secret per line, the current one first, e.g. a key of a mounted
 * Kubernetes Secret. Surrounding whitespace and blank lines (a trailing newline) are ignored. Read on every
 * config load, and the watcher reloads when it changes. No message ever shows the file's content.
 */
final class SecretFile {
    private SecretFile() {}

    /** @throws IOException with a message fit for a config error (the path, the failure; never content) */
    static List<String> read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IOException("cannot read " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null || e.getMessage().equals(file.toString()) ? "" : ": " + e.getMessage()));
        }
        var secrets = new ArrayList<String>();
        for (String line : text.split("\r?\n")) {
            String secret = line.strip();
            if (!secret.isEmpty()) {
                secrets.add(secret);
            }
        }
        if (secrets.isEmpty()) {
            throw new IOException(file + " holds no secret (one per line, the current one first)");
        }
        return secrets;
    }
}
