package io.webhookdispatcher.dispatch;

import java.time.Duration;
import java.util.Optional;

/** What one HTTP attempt came to, as decided by {@link ResponseClassifier}. */
public sealed interface DeliveryOutcome {

    AttemptResult result();

    Duration elapsed();

    /** Whether the endpoint sent an HTTP response (any status), as opposed to a timeout or a connection error. */
    default boolean responded() {
        return this instanceof Delivered
                || (this instanceof Retryable r && r.failure().status() > 0)
                || (this instanceof Permanent p && p.failure().status() > 0);
    }

    /** Any 2xx. */
    record Delivered(int status, Duration elapsed) implements DeliveryOutcome {
        @Override
        public AttemptResult result() {
            return AttemptResult.SUCCESS_2XX;
        }
    }

    /** Worth another attempt later; {@code retryAfter} is the receiver's own hint (429/503), if any. */
    record Retryable(Failure failure, Optional<Duration> retryAfter) implements DeliveryOutcome {
        @Override
        public AttemptResult result() {
            return failure.result();
        }

        @Override
        public Duration elapsed() {
            return failure.elapsed();
        }
    }

    /** Never worth retrying (e.g. 400, 410): straight to the dead-letter topic. */
    record Permanent(Failure failure) implements DeliveryOutcome {
        @Override
        public AttemptResult result() {
            return failure.result();
        }

        @Override
        public Duration elapsed() {
            return failure.elapsed();
        }
    }

    /**
     * The diagnostics of a failed attempt, as they go into dead-letter headers.
     *
     * @param status       the HTTP status, or 0 when there was no response
     * @param errorClass   the exception's class, {@code "HttpStatus"} for a non-2xx response, or
     *                     {@code "blocked-destination"} when the destination guard refused the address
     * @param responseBody the first 1 KiB of a 4xx or 5xx response body (empty otherwise)
     */
    record Failure(
            AttemptResult result,
            int status,
            String errorClass,
            String errorMessage,
            String responseBody,
            Duration elapsed) {}

    /** The bounded label set of {@code webhook_delivery_attempts_total{result}}. */
    enum AttemptResult {
        SUCCESS_2XX("2xx"),
        REDIRECT_3XX("3xx"),
        CLIENT_4XX("4xx"),
        SERVER_5XX("5xx"),
        TIMEOUT("timeout"),
        CONNECT_ERROR("connect_error"),
        /** The TLS handshake failed: an untrusted or mismatched server certificate, or a refused client one. */
        TLS_ERROR("tls_error"),
        OTHER_ERROR("other_error"),
        /** Refused by the {@link DestinationGuard} after DNS: no connection was made. */
        BLOCKED_DESTINATION(DestinationGuard.BLOCKED_DESTINATION);

        public final String label;

        AttemptResult(String label) {
            this.label = label;
        }

        /** The class of an HTTP status. */
        public static AttemptResult ofStatus(int status) {
            if (status >= 200 && status < 300) return SUCCESS_2XX;
            if (status >= 300 && status < 400) return REDIRECT_3XX;
            if (status >= 400 && status < 500) return CLIENT_4XX;
            if (status >= 500 && status < 600) return SERVER_5XX;
            return OTHER_ERROR;
        }
    }
}
