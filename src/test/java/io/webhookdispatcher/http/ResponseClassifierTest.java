package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseClassifierTest {
    private static final Instant NOW = Instant.parse("2025-02-10T15:30:50Z");
    private final ResponseClassifier classifier = new ResponseClassifier(Set.of(400, 410, 413, 422));

    private DeliveryOutcome status(int status, String retryAfter) {
        return classifier.classify(status, Optional.ofNullable(retryAfter), "body", Duration.ofMillis(3), NOW);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204, 299})
    void shouldTreatAny2xxAsDelivered(int status) {
        assertThat(status(status, null)).isInstanceOf(DeliveryOutcome.Delivered.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 410, 413, 422})
    void shouldTreatConfiguredStatusesAsPermanent(int status) {
        assertThat(status(status, null))
                .isInstanceOfSatisfying(
                        DeliveryOutcome.Permanent.class,
                        p -> assertThat(p.failure().status()).isEqualTo(status));
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 307, 401, 403, 404, 408, 429, 500, 502, 503, 504})
    void shouldTreatOtherStatusesIncludingRedirectsAsRetryable(int status) {
        assertThat(status(status, null)).isInstanceOf(DeliveryOutcome.Retryable.class);
    }

    @Test
    void shouldKeepTheStatusClassAndBodyForDiagnostics() {
        var outcome = (DeliveryOutcome.Retryable) status(503, null);

        assertThat(outcome.result()).isEqualTo(AttemptResult.SERVER_5XX);
        assertThat(outcome.failure().responseBody()).isEqualTo("body");
        assertThat(((DeliveryOutcome.Retryable) status(302, null)).result()).isEqualTo(AttemptResult.REDIRECT_3XX);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 301, 302, 304, 307, 308, 399, 600})
    void shouldKeepNoBodyOutside4xxAnd5xx(int status) {
        assertThat(status(status, null))
                .isInstanceOfSatisfying(
                        DeliveryOutcome.Retryable.class,
                        r -> assertThat(r.failure().responseBody()).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 429, 499, 500, 599})
    void shouldKeepTheBodyOf4xxAnd5xx(int status) {
        DeliveryOutcome outcome = status(status, null);
        DeliveryOutcome.Failure failure = outcome instanceof DeliveryOutcome.Permanent p
                ? p.failure()
                : ((DeliveryOutcome.Retryable) outcome).failure();
        assertThat(failure.responseBody()).isEqualTo("body");
    }

    @Test
    void shouldMakeABlockedDestinationPermanentWithItsOwnErrorClass() {
        var outcome = classifier.blocked("localhost resolves to 127.0.0.1, loopback", Duration.ofMillis(1));

        assertThat(outcome).isInstanceOfSatisfying(DeliveryOutcome.Permanent.class, p -> {
            assertThat(p.failure().result()).isEqualTo(AttemptResult.BLOCKED_DESTINATION);
            assertThat(p.failure().result().label).isEqualTo("blocked-destination");
            assertThat(p.failure().errorClass()).isEqualTo("blocked-destination");
            assertThat(p.failure().responseBody()).isEmpty();
            assertThat(p.failure().status()).isZero();
        });
    }

    @Test
    void shouldReadRetryAfterInSecondsOrAsHttpDateOnlyFor429And503() {
        assertThat(((DeliveryOutcome.Retryable) status(429, "120")).retryAfter())
                .contains(Duration.ofSeconds(120));
        assertThat(((DeliveryOutcome.Retryable) status(503, "Mon, 10 Feb 2025 15:31:50 GMT")).retryAfter())
                .contains(Duration.ofSeconds(60));
        assertThat(((DeliveryOutcome.Retryable) status(500, "120")).retryAfter())
                .isEmpty();
        assertThat(((DeliveryOutcome.Retryable) status(429, "soon")).retryAfter())
                .isEmpty();
    }

    @Test
    void shouldClassifyTransportErrors() {
        assertThat(classifier
                        .classify(new CompletionException(new HttpTimeoutException("t")), Duration.ZERO)
                        .result())
                .isEqualTo(AttemptResult.TIMEOUT);
        assertThat(classifier
                        .classify(new HttpConnectTimeoutException("t"), Duration.ZERO)
                        .result())
                .isEqualTo(AttemptResult.CONNECT_ERROR);
        assertThat(classifier.classify(
                        new CompletionException(new IOException("x", new ConnectException("refused"))), Duration.ZERO))
                .isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
                    assertThat(r.result()).isEqualTo(AttemptResult.CONNECT_ERROR);
                    assertThat(r.failure().errorClass()).isEqualTo("java.net.ConnectException");
                    assertThat(r.failure().status()).isZero();
                });
        assertThat(classifier.classify(new IOException("something else"), Duration.ZERO))
                .isInstanceOfSatisfying(
                        DeliveryOutcome.Retryable.class,
                        r -> assertThat(r.result()).isEqualTo(AttemptResult.OTHER_ERROR));
    }

    @Test
    void shouldClassifyAFailedHandshakeAsARetryableTlsError() {
        var direct = classifier.classify(
                new CompletionException(new javax.net.ssl.SSLHandshakeException("PKIX path building failed")),
                Duration.ZERO);
        var wrapped = classifier.classify(
                new IOException("x", new javax.net.ssl.SSLException("Received fatal alert: bad_certificate")),
                Duration.ZERO);

        assertThat(direct).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.result()).isEqualTo(AttemptResult.TLS_ERROR);
            assertThat(r.failure().errorClass()).isEqualTo("javax.net.ssl.SSLHandshakeException");
        });
        assertThat(wrapped).isInstanceOfSatisfying(DeliveryOutcome.Retryable.class, r -> {
            assertThat(r.result()).isEqualTo(AttemptResult.TLS_ERROR);
            assertThat(r.failure().errorClass()).isEqualTo("javax.net.ssl.SSLException");
        });
    }
}
