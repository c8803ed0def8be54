package io.webhookdispatcher.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code admin.encryptionKeyFile}, re-read when its content changes (at most once per second, on use), like a
 * {@code secretFile}: a Kubernetes Secret update swaps a symlink, which this sees as new content. A file that cannot
 * be read or parsed keeps the last good keys, and is logged once per content; none at all means
 * {@link EncryptionKeys#NONE}. Thread-safe.
 */
public final class KeyFile implements Supplier<EncryptionKeys> {
    private static final Logger log = LoggerFactory.getLogger(KeyFile.class);
    private static final long CHECK_MILLIS = 1000;

    private final Optional<Path> file;
    private final Clock clock;
    private EncryptionKeys keys = EncryptionKeys.NONE;
    private byte[] content;
    private long checkedAt = Long.MIN_VALUE;
    private long generation;

    /** @param file the key file; empty: no key */
    public KeyFile(Optional<Path> file, Clock clock) {
        this.file = Objects.requireNonNull(file, "file");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized EncryptionKeys get() {
        long now = clock.millis();
        if (file.isPresent() && (checkedAt == Long.MIN_VALUE || now - checkedAt >= CHECK_MILLIS)) {
            checkedAt = now;
            reread(file.get());
        }
        return keys;
    }

    /** Counts the changes of the keys: a reader compares it to retry what an absent key kept it from using. */
    public synchronized long generation() {
        get();
        return generation;
    }

    private void reread(Path path) {
        byte[] now;
        try {
            now = Files.readAllBytes(path);
        } catch (IOException e) {
            if (content == null || content.length > 0) {
                log.error(
                        "cannot read admin.encryptionKeyFile {} ({}); keeping the keys read before",
                        path,
                        e.getClass().getSimpleName());
                content = new byte[0];
            }
            return;
        }
        if (Arrays.equals(now, content)) {
            return;
        }
        content = now;
        try {
            EncryptionKeys next =
                    EncryptionKeys.parse(new String(now, java.nio.charset.StandardCharsets.UTF_8), path.toString());
            if (!next.equals(keys)) {
                keys = next;
                generation++;
                log.info("encryption keys {} read from {}", next.ids(), path);
            }
        } catch (IllegalArgumentException e) {
            log.error("{}; keeping the keys read before", e.getMessage());
        }
    }
}
