package io.webhookdispatcher.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.testkit.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin.tokensFile}: which bearer tokens are accepted, as the mounted Secret changes. */
class AdminTokensTest {
    private static final String TOKEN = "a".repeat(20) + "0123456789abcdef";
    private static final String OTHER = "b".repeat(20) + "fedcba9876543210";

    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock();
    private Path file;
    private AdminTokens tokens;

    @BeforeEach
    void writeTokens() throws Exception {
        file = Files.writeString(dir.resolve("tokens"), "# not a comment, too short\n" + TOKEN + "\n");
        tokens = new AdminTokens(file, clock);
    }

    @Test
    void shouldAcceptATokenOfTheFileNamingItsCallerByADigest() {
        assertThat(tokens.caller(TOKEN))
                .hasValueSatisfying(name -> assertThat(name).matches("token:[0-9a-f]{8}"));
        assertThat(tokens.caller(TOKEN).orElseThrow()).doesNotContain(TOKEN.substring(0, 8));
    }

    @Test
    void shouldNameTheSameTokenAlikeAndAnotherOtherwise() throws Exception {
        Files.writeString(file, TOKEN + "\n" + OTHER + "\n");
        tokens = new AdminTokens(file, clock);

        assertThat(tokens.caller(TOKEN)).isEqualTo(tokens.caller(TOKEN));
        assertThat(tokens.caller(OTHER)).isPresent().isNotEqualTo(tokens.caller(TOKEN));
    }

    @Test
    void shouldRefuseAWrongAnEmptyOrAPartialToken() {
        assertThat(tokens.caller(OTHER)).isEmpty();
        assertThat(tokens.caller("")).isEmpty();
        assertThat(tokens.caller(TOKEN.substring(0, TOKEN.length() - 1))).isEmpty();
        assertThat(tokens.caller(TOKEN.substring(0, 32))).isEmpty();
        assertThat(tokens.caller(TOKEN + "x")).isEmpty();
    }

    @Test
    void shouldIgnoreATokenShorterThan32Characters() throws Exception {
        String shorter = "c".repeat(31);
        Files.writeString(file, shorter + "\n  " + TOKEN + "  \r\n");
        tokens = new AdminTokens(file, clock);

        assertThat(tokens.caller(shorter)).isEmpty();
        assertThat(tokens.caller("# not a comment, too short")).isEmpty();
        assertThat(tokens.caller(TOKEN)).isPresent();
    }

    @Test
    void shouldTakeTheRewrittenFileAfterASecond() throws Exception {
        assertThat(tokens.caller(TOKEN)).isPresent();

        Files.writeString(file, OTHER + "\n");
        clock.advance(Duration.ofMillis(500));
        boolean oldStillAcceptedWithinTheSecond = tokens.caller(TOKEN).isPresent();
        clock.advance(Duration.ofMillis(600));

        assertThat(oldStillAcceptedWithinTheSecond).isTrue();
        assertThat(tokens.caller(OTHER)).isPresent();
        assertThat(tokens.caller(TOKEN)).isEmpty();
    }

    @Test
    void shouldKeepThePreviousTokensWhenTheFileCannotBeRead() throws Exception {
        assertThat(tokens.caller(TOKEN)).isPresent();

        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));

        assertThat(tokens.caller(TOKEN)).isPresent();
        assertThat(tokens.caller(OTHER)).isEmpty();
    }

    @Test
    void shouldTakeTheFileAgainOnceItIsBack() throws Exception {
        assertThat(tokens.caller(TOKEN)).isPresent();
        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));
        assertThat(tokens.caller(TOKEN)).isPresent();

        Files.writeString(file, OTHER + "\n");
        clock.advance(Duration.ofSeconds(2));

        assertThat(tokens.caller(OTHER)).isPresent();
        assertThat(tokens.caller(TOKEN)).isEmpty();
    }

    @Test
    void shouldAcceptNothingWithoutAFile() {
        tokens = new AdminTokens(dir.resolve("missing"), clock);

        assertThat(tokens.caller(TOKEN)).isEmpty();
        assertThat(tokens.caller("")).isEmpty();
    }

    @Test
    void shouldAcceptNothingOnceTheFileIsEmptied() throws Exception {
        assertThat(tokens.caller(TOKEN)).isPresent();

        Files.writeString(file, "");
        clock.advance(Duration.ofSeconds(2));

        assertThat(tokens.caller(TOKEN)).isEmpty();
    }

    @Test
    void shouldAcceptNothingWhenTheFileComesBackEmptyAfterAFailedRead() throws Exception {
        assertThat(tokens.caller(TOKEN)).isPresent();
        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));
        assertThat(tokens.caller(TOKEN)).isPresent(); // kept while unreadable

        Files.writeString(file, ""); // every token revoked
        clock.advance(Duration.ofSeconds(2));

        assertThat(tokens.caller(TOKEN)).isEmpty();
    }
}
