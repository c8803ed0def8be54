package io.webhookdispatcher.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webhookdispatcher.admin.Problem.FieldError;
import io.webhookdispatcher.store.SubscriptionAdmin.Reason;
import io.webhookdispatcher.store.SubscriptionAdmin.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How request bodies become specs, and the store's refusals problems with a pointer per field. */
class SubscriptionRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldPointAtANestedKeyOfTheStoresError() {
        FieldError error = SubscriptionRequests.fieldError(
                "crm.subs: subscriptions[a].circuitBreaker.failureRatio: must be from 0 to 1");

        assertThat(error.pointer()).isEqualTo("/circuitBreaker/failureRatio");
        assertThat(error.detail()).isEqualTo("must be from 0 to 1");
    }

    @Test
    void shouldPointAtAnItemOfAList() {
        FieldError error = SubscriptionRequests.fieldError("crm.subs: subscriptions[a].events[1]: is not an event");

        assertThat(error.pointer()).isEqualTo("/events/1");
        assertThat(error.detail()).isEqualTo("is not an event");
    }

    @Test
    void shouldPointAtATopLevelKeyWhateverTheIdAndDetail() {
        FieldError error = SubscriptionRequests.fieldError(
                "crm.subscriptions: subscriptions[sub_0a1b.c].url: is not allowed: 127.0.0.1 is a loopback address");

        assertThat(error.pointer()).isEqualTo("/url");
        assertThat(error.detail()).isEqualTo("is not allowed: 127.0.0.1 is a loopback address");
    }

    @Test
    void shouldPointAtAKeyOfAMessageWithoutTheSource() {
        assertThat(SubscriptionRequests.fieldError("description: at most 500 characters"))
                .isEqualTo(new FieldError("/description", "at most 500 characters"));
    }

    @Test
    void shouldPointAtTheWholeBodyWhenTheMessageNamesNoKey() {
        assertThat(SubscriptionRequests.fieldError("its stored secret cannot be opened"))
                .isEqualTo(new FieldError("", "its stored secret cannot be opened"));
    }

    @Test
    void shouldTurnAnInvalidRefusalIntoOneErrorPerMessage() {
        Problem problem = SubscriptionRequests.problem(new Refusal(
                Reason.INVALID,
                List.of(
                        "crm.subs: subscriptions[a].url: must be https",
                        "crm.subs: subscriptions[a].events: required")));

        assertThat(problem.kind()).isEqualTo(Problem.Kind.INVALID);
        assertThat(problem.errors()).extracting(FieldError::pointer).containsExactly("/url", "/events");
    }

    @Test
    void shouldTurnEachOtherRefusalIntoItsProblem() {
        assertThat(kind(Reason.NOT_FOUND)).isEqualTo(Problem.Kind.NOT_FOUND);
        assertThat(kind(Reason.CONFLICT)).isEqualTo(Problem.Kind.CONFLICT);
        assertThat(kind(Reason.VERSION_MISMATCH)).isEqualTo(Problem.Kind.PRECONDITION_FAILED);
        assertThat(kind(Reason.KEY_REUSED)).isEqualTo(Problem.Kind.KEY_REUSED);
    }

    @Test
    void shouldReadAnOverlapAsAConfigOrIsoDuration() {
        assertThat(SubscriptionRequests.overlap(body("{\"overlap\": \"24h\"}"))).isEqualTo(Duration.ofHours(24));
        assertThat(SubscriptionRequests.overlap(body("{\"overlap\": \"PT1H\"}")))
                .isEqualTo(Duration.ofHours(1));
        assertThat(SubscriptionRequests.overlap(body("{\"overlap\": \"0s\"}"))).isEqualTo(Duration.ZERO);
        assertThat(SubscriptionRequests.overlap(body("{\"overlap\": \"7d\"}"))).isEqualTo(Duration.ofDays(7));
        assertThat(SubscriptionRequests.overlap(body("{\"overlap\": \"90m\"}"))).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void shouldOverlapTwentyFourHoursByDefault() {
        assertThat(SubscriptionRequests.overlap(body("{}"))).isEqualTo(Duration.ofHours(24));
        assertThat(SubscriptionRequests.overlap(body("{\"overlap\": null}"))).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void shouldRefuseAnOverlapOutOfRangeOrNotADuration() {
        for (String overlap : List.of("\"9d\"", "\"P8D\"", "\"-PT1H\"", "\"soon\"", "3600", "\"\"")) {
            assertThatThrownBy(() -> SubscriptionRequests.overlap(body("{\"overlap\": " + overlap + "}")))
                    .as(overlap)
                    .isInstanceOfSatisfying(SubscriptionsApi.Rejected.class, e -> {
                        assertThat(e.problem.kind()).isEqualTo(Problem.Kind.INVALID);
                        assertThat(e.problem.errors())
                                .extracting(FieldError::pointer)
                                .containsExactly("/overlap");
                    });
        }
    }

    @Test
    void shouldMergePatchRemovingNullsAndMergingObjects() {
        ObjectNode spec = body("""
                {"id": "a", "url": "https://a.example.com/", "filter": "true",
                 "circuitBreaker": {"failureRatio": 0.5, "minimumCalls": 10}, "secret": "whsec_old"}""");

        SubscriptionRequests.merge(spec, body("""
                {"filter": null, "circuitBreaker": {"minimumCalls": 20}, "enabled": false}"""));

        assertThat(spec).isEqualTo(body("""
                {"id": "a", "url": "https://a.example.com/",
                 "circuitBreaker": {"failureRatio": 0.5, "minimumCalls": 20},
                 "secret": "whsec_old", "enabled": false}"""));
    }

    @Test
    void shouldLeaveOutTheNullsOfAnObjectTheSpecDidNotHave() {
        ObjectNode spec = body("{\"id\": \"a\", \"url\": \"https://a.example.com/\"}");

        SubscriptionRequests.merge(spec, body("""
                {"circuitBreaker": {"failureRatio": 0.5, "minimumCalls": null}}"""));

        // RFC 7396: MergePatch({}, {"failureRatio": 0.5, "minimumCalls": null}) is {"failureRatio": 0.5}
        assertThat(spec).isEqualTo(body("""
                {"id": "a", "url": "https://a.example.com/", "circuitBreaker": {"failureRatio": 0.5}}"""));
    }

    @Test
    void shouldReplaceAllSecretsWhenAPatchGivesANewOne() {
        ObjectNode spec = body("{\"id\": \"a\", \"secrets\": [\"whsec_new\", \"whsec_old\"]}");

        SubscriptionRequests.merge(spec, body("{\"secret\": \"whsec_mine\"}"));

        assertThat(spec).isEqualTo(body("{\"id\": \"a\", \"secret\": \"whsec_mine\"}"));
    }

    @Test
    void shouldReplaceTheWholeSpecButItsIdAndSecrets() {
        ObjectNode spec = body("""
                {"id": "a", "url": "https://a.example.com/", "filter": "true", "secrets": ["whsec_1", "whsec_2"]}""");

        SubscriptionRequests.replace(spec, body("{\"url\": \"https://b.example.com/\", \"events\": [\"*\"]}"));

        assertThat(spec).isEqualTo(body("""
                {"url": "https://b.example.com/", "events": ["*"], "id": "a", "secrets": ["whsec_1", "whsec_2"]}"""));
    }

    @Test
    void shouldReadIfMatchAsAVersion() {
        assertThat(SubscriptionRequests.ifMatch(withHeader("If-Match", "\"3\"")))
                .isEqualTo(OptionalLong.of(3));
        assertThat(SubscriptionRequests.ifMatch(withHeader("If-Match", "W/\"3\"")))
                .isEqualTo(OptionalLong.of(3));
        assertThat(SubscriptionRequests.ifMatch(withHeader("If-Match", "3"))).isEqualTo(OptionalLong.of(3));
        assertThat(SubscriptionRequests.ifMatch(withHeader("If-Match", "*"))).isEmpty();
        assertThat(SubscriptionRequests.ifMatch(withHeader("X-Other", "1"))).isEmpty();
        assertThatThrownBy(() -> SubscriptionRequests.ifMatch(withHeader("If-Match", "\"abc\"")))
                .isInstanceOfSatisfying(
                        SubscriptionsApi.Rejected.class,
                        e -> assertThat(e.problem.kind()).isEqualTo(Problem.Kind.MALFORMED));
    }

    @Test
    void shouldTakeALimitFromOneToTheMaximum() {
        assertThat(SubscriptionRequests.limit("1")).isEqualTo(1);
        assertThat(SubscriptionRequests.limit("250")).isEqualTo(250);
        for (String limit : List.of("0", "251", "999", "-3", "x", "")) {
            assertThatThrownBy(() -> SubscriptionRequests.limit(limit))
                    .as(limit)
                    .isInstanceOfSatisfying(
                            SubscriptionsApi.Rejected.class,
                            e -> assertThat(e.problem.kind()).isEqualTo(Problem.Kind.MALFORMED));
        }
    }

    private static Problem.Kind kind(Reason reason) {
        return SubscriptionRequests.problem(new Refusal(reason, List.of("why"))).kind();
    }

    private static ObjectNode body(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static SubscriptionsApi.Request withHeader(String name, String value) {
        return AdminFixture.request("PUT", "/v1/subscriptions/a", Map.of(), Map.of(name, value), "");
    }
}
