package io.webhookdispatcher.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.testkit.CrmWebhook;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventKeyTest {
    private final EventKey byRecord = new EventKey("/record/id");

    @Test
    void shouldKeyARecordEventByItsRecordIdNotTheObjectMetadataId() throws Exception {
        byte[] body = CrmWebhook.recordEvent("person.updated", "ws-1", "rec-42", 300);

        assertThat(text(byRecord.of(body))).isEqualTo("rec-42");
    }

    @Test
    void shouldFallBackToTheWorkspaceIdForAMetadataEvent() throws Exception {
        byte[] body = utf8("{\"targetUrl\":\"u\",\"eventName\":\"metadata.fieldMetadata.created\",\"workspaceId\":"
                + "\"ws-7\",\"event\":{\"metadataName\":\"fieldMetadata\",\"recordId\":\"f-1\",\"properties\":"
                + "{\"after\":{\"id\":\"f-1\"}},\"type\":\"created\"}}");

        assertThat(text(byRecord.of(body))).isEqualTo("ws-7");
    }

    @Test
    void shouldHaveNoKeyWhenNeitherFieldIsThere() throws Exception {
        byte[] body = utf8("{\"event\":\"person.created\",\"data\":{\"id\":\"p1\"},\"timestamp\":\"t\"}");

        assertThat(byRecord.of(body)).isNull();
    }

    @Test
    void shouldTakeAConfiguredFieldAndANumber() throws Exception {
        var byData = new EventKey("/data/id");

        assertThat(text(byData.of(utf8("{\"event\":\"person.created\",\"data\":{\"id\":17}}"))))
                .isEqualTo("17");
    }

    @Test
    void shouldIgnoreTheSameNameElsewhere() throws Exception {
        // given: an "id" in an array and one nested deeper, before the record's own
        byte[] body = utf8("{\"list\":[{\"record\":{\"id\":\"no\"}}],\"x\":{\"record\":{\"id\":\"no\"}},"
                + "\"record\":{\"nested\":{\"id\":\"no\"},\"id\":\"yes\"}}");

        assertThat(text(byRecord.of(body))).isEqualTo("yes");
    }

    @Test
    void shouldNotTakeAnObjectOrNullAsTheKey() throws Exception {
        assertThat(text(byRecord.of(utf8("{\"record\":{\"id\":{\"a\":1}},\"workspaceId\":\"ws\"}"))))
                .isEqualTo("ws");
        assertThat(text(byRecord.of(utf8("{\"record\":{\"id\":null},\"workspaceId\":\"ws\"}"))))
                .isEqualTo("ws");
    }

    @Test
    void shouldRefuseWhatIsNotOneJsonObject() {
        for (String body :
                new String[] {"", "[1]", "\"text\"", "{\"a\":1", "{\"a\":1} {\"b\":2}", "{\"a\":1,\"a\":2}", "not json"
                }) {
            assertThatThrownBy(() -> byRecord.of(utf8(body)))
                    .as(body)
                    .isInstanceOf(EventKey.InvalidBodyException.class)
                    .message()
                    .doesNotContain(body.isEmpty() ? "\u0000" : body);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] key) {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }
}
