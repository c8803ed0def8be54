package io.webhookdispatcher.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.event.PayloadFilter.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadFilterTest {
    private static final String WON_BIG = "data.stage == \"WON\" && data.amount.amountMicros > 1000000000";

    private static Map<String, Object> vars(String json) throws Exception {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        return EventVariables.of(value, CrmEvent.parse(value, 1 << 20));
    }

    private static String opportunity(String stage, String amountMicros) {
        return "{\"event\":\"opportunity.updated\",\"data\":{\"id\":\"o1\",\"stage\":\"" + stage
                + "\",\"amount\":{\"amountMicros\":" + amountMicros + ",\"currencyCode\":\"EUR\"}},"
                + "\"timestamp\":\"2026-11-30T10:00:00Z\"}";
    }

    @Test
    void shouldMatchOnlyEventsTheExpressionSelects() throws Exception {
        var filter = PayloadFilter.compile(WON_BIG);

        assertThat(filter.test(vars(opportunity("WON", "2000000000")))).isEqualTo(Verdict.MATCH);
        assertThat(filter.test(vars(opportunity("WON", "2.5e9")))).isEqualTo(Verdict.MATCH);
        assertThat(filter.test(vars(opportunity("LOST", "2000000000")))).isEqualTo(Verdict.NO_MATCH);
        assertThat(filter.test(vars(opportunity("WON", "5")))).isEqualTo(Verdict.NO_MATCH);
    }

    @Test
    void shouldSeeTheTypeTheTimestampTheWholePayloadAndTheCrmNativeRecord() throws Exception {
        String nativeShape = "{\"eventName\":\"person.created\",\"record\":{\"city\":\"Hanoi\",\"tags\":[\"a\",\"b\"],"
                + "\"manager\":null},\"eventDate\":\"2026-11-30T10:00:00Z\",\"workspaceId\":\"w1\"}";

        assertThat(PayloadFilter.compile("event == 'person.created' && event.startsWith('person.')")
                        .test(vars(nativeShape)))
                .isEqualTo(Verdict.MATCH);
        assertThat(PayloadFilter.compile("data.city == 'Hanoi' && 'b' in data.tags && data.manager == null")
                        .test(vars(nativeShape)))
                .isEqualTo(Verdict.MATCH);
        assertThat(PayloadFilter.compile("payload.workspaceId == 'w1'").test(vars(nativeShape)))
                .isEqualTo(Verdict.MATCH);
        assertThat(PayloadFilter.compile("timestamp > timestamp('2026-01-01T00:00:00Z')")
                        .test(vars(nativeShape)))
                .isEqualTo(Verdict.MATCH);
    }

    @Test
    void shouldRejectASyntaxErrorAtCompileTime() {
        assertThatThrownBy(() -> PayloadFilter.compile("data.stage == \"WON"))
                .isInstanceOf(PayloadFilter.InvalidFilterException.class)
                .hasMessageContaining("ERROR");
        assertThatThrownBy(() -> PayloadFilter.compile(" ")).isInstanceOf(PayloadFilter.InvalidFilterException.class);
    }

    @Test
    void shouldRejectATypeErrorAtCompileTime() {
        // event is a string: no fields, no arithmetic with ints; the result must be a bool
        assertThatThrownBy(() -> PayloadFilter.compile("event.stage == 'WON'"))
                .isInstanceOf(PayloadFilter.InvalidFilterException.class);
        assertThatThrownBy(() -> PayloadFilter.compile("event + 1 > 2"))
                .isInstanceOf(PayloadFilter.InvalidFilterException.class);
        assertThatThrownBy(() -> PayloadFilter.compile("event"))
                .isInstanceOf(PayloadFilter.InvalidFilterException.class);
        assertThatThrownBy(() -> PayloadFilter.compile("undeclared == 1"))
                .isInstanceOf(PayloadFilter.InvalidFilterException.class)
                .hasMessageContaining("undeclared");
    }

    @Test
    void shouldNotMatchButReportAnErrorWhenAFieldIsMissingOrOfAnotherType() throws Exception {
        var filter = PayloadFilter.compile(WON_BIG);

        assertThat(filter.test(vars("{\"event\":\"opportunity.updated\",\"data\":{\"stage\":\"WON\"}}")))
                .isEqualTo(Verdict.ERROR);
        assertThat(filter.test(vars(opportunity("WON", "\"lots\"")))).isEqualTo(Verdict.ERROR);
        assertThat(filter.test(vars("{\"event\":\"opportunity.updated\"}"))).isEqualTo(Verdict.ERROR);
        assertThat(PayloadFilter.compile("timestamp > timestamp('2026-01-01T00:00:00Z')")
                        .test(vars("{\"event\":\"opportunity.updated\"}")))
                .isEqualTo(Verdict.ERROR);
    }

    @Test
    void shouldLetAnExpressionGuardAgainstAMissingField() throws Exception {
        var filter = PayloadFilter.compile("has(data.stage) && data.stage == 'WON'");

        assertThat(filter.test(vars("{\"event\":\"opportunity.updated\",\"data\":{}}")))
                .isEqualTo(Verdict.NO_MATCH);
    }

    @Test
    void shouldBeEqualByItsSourceSoAnUnchangedReloadKeepsTheLane() throws Exception {
        assertThat(PayloadFilter.compile(WON_BIG)).isEqualTo(PayloadFilter.compile(WON_BIG));
    }
}
