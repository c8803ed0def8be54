package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventTypeTest {
    /** The documented grammar, as a regex: the hand-written scanner must agree with it on every text. */
    private static final Pattern GRAMMAR =
            Pattern.compile("((?:metadata\\.)?[A-Za-z][A-Za-z0-9_]*)\\.([A-Za-z][A-Za-z0-9_]*)");

    @Test
    void shouldSplitObjectAndAction() {
        assertThat(EventType.parse("workflowRun.updated")).contains(new EventType("workflowRun", "updated"));
        assertThat(EventType.parse("a_1.B2_")).contains(new EventType("a_1", "B2_"));
    }

    @Test
    void shouldReadTheCrmsThreePartMetadataNamesAndNoOtherThreePartName() {
        assertThat(EventType.parse("metadata.fieldMetadata.created"))
                .hasValueSatisfying(t -> assertThat(t.metadata()).isTrue())
                .contains(new EventType("metadata.fieldMetadata", "created"));
        assertThat(EventType.parse("metadata.created")) // a record event of an object named metadata
                .hasValueSatisfying(t -> assertThat(t.metadata()).isFalse());
        assertThat(EventType.parse("person.created.now")).isEmpty();
        assertThat(EventType.parse("metadata.a.b.c")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ".",
                "person",
                "person.",
                ".created",
                "1person.created",
                "person.1created",
                "_a.b",
                "a._b",
                "a.b.c",
                "a..b",
                "pérson.created",
                "a.b\n",
                " a.b",
                "a-b.c"
            })
    void shouldRejectWhatIsNotObjectDotAction(String text) {
        assertThat(EventType.parse(text)).isEmpty();
    }

    @Test
    void shouldAgreeWithTheGrammarOnRandomTexts() {
        var random = new Random(7);
        // "metadata" as one symbol, so that three-part names come up as often as the others
        var alphabet = List.of("a", "Z", "0", "9", "_", ".", "é", "\n", "-", "metadata", "metadata.");
        for (int i = 0; i < 200_000; i++) {
            var text = new StringBuilder();
            int length = random.nextInt(9);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.get(random.nextInt(alphabet.size())));
            }
            var m = GRAMMAR.matcher(text);
            Optional<EventType> expected =
                    m.matches() ? Optional.of(new EventType(m.group(1), m.group(2))) : Optional.empty();
            assertThat(EventType.parse(text.toString())).as("%s", text).isEqualTo(expected);
        }
    }
}
