package io.webhookdispatcher.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code admin.tokensFile}: the bearer tokens the admin API accepts, one per line, re-read when its content changes
 * (at most once per second, on use), as a mounted Kubernetes Secret is updated. A presented token is compared with
 * every token, each comparison over SHA-256 digests with {@link MessageDigest#isEqual} (constant time, and the same
 * length whatever was presented), so the answer's timing tells nothing of how much of a token matched. A file that
 * cannot be read keeps the tokens read before (logged once per content); none at all accepts nothing. A token shorter
 * than {@link #MIN_LENGTH} characters is ignored, and said so. Tokens are never logged: a caller is named by the
 * first 8 hex digits of its token's digest.
 */
public final class AdminTokens {
    private static final Logger log = LoggerFactory.getLogger(AdminTokens.class);
    static final int MIN_LENGTH = 32;
    private static final long CHECK_MILLIS = 1000;

    private final Path file;
    private final Clock clock;
    private List<byte[]> digests = List.of();
    private byte[] content;
    private boolean unreadable;
    private long checkedAt = Long.MIN_VALUE;

    public AdminTokens(Path file, Clock clock) {
        this.file = Objects.requireNonNull(file, "file");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The caller's name if {@code token} is one of the file's; empty otherwise. */
    public Optional<String> caller(String token) {
        byte[] presented = sha256(token);
        boolean found = false;
        for (byte[] digest : current()) { // every one, found or not: the time does not depend on which matched
            found |= MessageDigest.isEqual(digest, presented);
        }
        return found ? Optional.of("token:" + HexFormat.of().formatHex(presented, 0, 4)) : Optional.empty();
    }

    private synchronized List<byte[]> current() {
        long now = clock.millis();
        if (checkedAt == Long.MIN_VALUE || now - checkedAt >= CHECK_MILLIS) {
            checkedAt = now;
            reread();
        }
        return digests;
    }

    private void reread() {
        byte[] now;
        try {
            now = Files.readAllBytes(file);
        } catch (IOException e) {
            if (!unreadable) {
                log.error(
                        "cannot read admin.tokensFile {} ({}); keeping the {} tokens read before",
                        file,
                        e.getClass().getSimpleName(),
                        digests.size());
                unreadable = true;
            }
            content = null; // whatever it holds when it is readable again is read, an empty file too
            return;
        }
        unreadable = false;
        if (Arrays.equals(now, content)) {
            return;
        }
        content = now;
        var next = new ArrayList<byte[]>();
        int tooShort = 0;
        for (String line : new String(now, StandardCharsets.UTF_8).split("\r?\n")) {
            String token = line.strip();
            if (token.length() >= MIN_LENGTH) {
                next.add(sha256(token));
            } else if (!token.isEmpty()) {
                tooShort++;
            }
        }
        if (tooShort > 0) {
            log.error(
                    "admin.tokensFile {}: {} tokens shorter than {} characters are ignored",
                    file,
                    tooShort,
                    MIN_LENGTH);
        }
        digests = List.copyOf(next);
        log.info("admin API tokens read from {}: {}", file, digests.size());
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
