package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.DeliveryOutcome;
import io.webhookdispatcher.dispatch.DeliveryOutcome.AttemptResult;
import io.webhookdispatcher.dispatch.DeliveryOutcome.Failure;
import io.webhookdispatcher.dispatch.DestinationGuard;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/**
 * The one place that decides what an HTTP attempt means. Pure: same inputs, same outcome.
 * Any 2xx is delivered; statuses in {@code permanentStatuses} are permanent; every other status
 * (3xx included: redirects are not followed), timeout, connection error and TLS failure is retryable: a refused
 * certificate is usually a configuration being fixed, or a receiver mid-rotation, and the schedule bounds the cost.
 * A destination the guard refused is permanent, {@code blocked-destination}. A response body is kept for
 * diagnostics only from a 4xx or 5xx: a redirect's body (often the page of whatever the Location points to) tells
 * nothing about the delivery, and only allowed destinations are ever connected to.
 */
public final class ResponseClassifier {
    private final Set<Integer> permanentStatuses;

    public ResponseClassifier(Set<Integer> permanentStatuses) {
        this.permanentStatuses = Set.copyOf(permanentStatuses);
    }

    public DeliveryOutcome classify(
            int status, Optional<String> retryAfterHeader, String bodyPrefix, Duration elapsed, Instant now) {
        if (status >= 200 && status < 300) {
            return new DeliveryOutcome.Delivered(status, elapsed);
        }
        String body = status >= 400 && status < 600 ? bodyPrefix : "";
        var failure = new Failure(resultOf(status), status, "HttpStatus", "HTTP " + status, body, elapsed);
        if (permanentStatuses.contains(status)) {
            return new DeliveryOutcome.Permanent(failure);
        }
        Optional<Duration> retryAfter = status == 429 || status == 503
                ? retryAfterHeader.flatMap(value -> parseRetryAfter(value, now))
                : Optional.empty();
        return new DeliveryOutcome.Retryable(failure, retryAfter);
    }

    /** The guard refused the destination after DNS: never retried, nothing was sent. */
    public DeliveryOutcome blocked(String why, Duration elapsed) {
        return new DeliveryOutcome.Permanent(new Failure(
                AttemptResult.BLOCKED_DESTINATION, 0, DestinationGuard.BLOCKED_DESTINATION, why, "", elapsed));
    }

    public DeliveryOutcome classify(Throwable error, Duration elapsed) {
        Throwable cause = unwrap(error);
        AttemptResult result;
        if (cause instanceof HttpConnectTimeoutException
                || cause instanceof ConnectException
                || cause instanceof UnresolvedAddressException
                || cause instanceof UnknownHostException) { // the sender resolves names itself
            result = AttemptResult.CONNECT_ERROR;
        } else if (cause instanceof SSLException) {
            result = AttemptResult.TLS_ERROR;
        } else if (cause instanceof HttpTimeoutException || cause instanceof java.util.concurrent.TimeoutException) {
            result = AttemptResult.TIMEOUT;
        } else {
            result = AttemptResult.OTHER_ERROR;
        }
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        return new DeliveryOutcome.Retryable(
                new Failure(result, 0, cause.getClass().getName(), message, "", elapsed), Optional.empty());
    }

    /** {@code Retry-After} is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
    static Optional<Duration> parseRetryAfter(String value, Instant now) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(now, at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static AttemptResult resultOf(int status) {
        if (status >= 300 && status < 400) return AttemptResult.REDIRECT_3XX;
        if (status >= 400 && status < 500) return AttemptResult.CLIENT_4XX;
        if (status >= 500 && status < 600) return AttemptResult.SERVER_5XX;
        return AttemptResult.OTHER_ERROR;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        // The JDK client wraps a refused connection as a bare IOException around a ConnectException,
        // and a failed handshake sometimes as one around an SSLException.
        if ((t.getCause() instanceof ConnectException || t.getCause() instanceof SSLException)
                && !(t instanceof HttpTimeoutException)) {
            return t.getCause();
        }
        return t;
    }
}
