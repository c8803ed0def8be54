package io.webhookdispatcher.ingest;

import io.webhookdispatcher.config.DispatcherConfig;
import io.webhookdispatcher.metrics.IngestMeters;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /ingest/{source}}: a webhook in, its raw bytes out to the events topic.
 *
 * <pre>
 *  request ─► source known? ─► Content-Length ≤ max? ─► room in the byte budget? ─► read body (≤ max, async)
 *     404 ◄──────┘        413 ◄───────┘            503 ◄────────┘           413 ◄───┘ │
 *                                                                                    ▼
 *         401 ◄── signature by one of the source's secrets? ── timestamp within 5 min? ──► 401 (stale)
 *                                                                                    │
 *                          400 ◄── one JSON object? (and its key) ◄──────────────────┘
 *                                                                                    │
 *              producer.send(topic, key, body) ── acknowledged (acks=all) ──► 200    │
 *                                              └─ failed or timed out ─────► 503     ▼
 * </pre>
 *
 * <p>The response waits for the broker without holding a thread: it is completed from the producer's callback. A body
 * is never logged, echoed or put in an error message: only its length and the source.
 */
public final class IngestHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(IngestHandler.class);
    private static final String PREFIX = "/ingest/";

    /** One configured source: how its requests are verified and keyed. */
    public record Source(String id, SignatureVerifier verifier, EventKey key) {
        public static Source of(DispatcherConfig.IngestSource config) {
            return new Source(config.id(), new SignatureVerifier(config.signing()), new EventKey(config.keyField()));
        }
    }

    /**
     * @param maxBytes     the largest body taken ({@code delivery.maxEventBytes}, as the dispatcher takes no larger)
     * @param maxHeldBytes bytes of bodies held by the requests under way together; beyond, 503 at once
     */
    public record Limits(int maxBytes, long maxHeldBytes) {
        public Limits {
            if (maxBytes <= 0 || maxHeldBytes < maxBytes) {
                throw new IllegalArgumentException("need 0 < maxBytes <= maxHeldBytes");
            }
        }
    }

    private final Map<String, Source> sources;
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final Limits limits;
    private final IngestMeters meters;
    private final Clock clock;
    private final AtomicLong held = new AtomicLong();
    private final RefusalLog refusals = new RefusalLog(System::nanoTime);

    public IngestHandler(
            Iterable<Source> sources,
            Producer<byte[], byte[]> producer,
            String topic,
            Limits limits,
            IngestMeters meters,
            Clock clock) {
        var byId = new java.util.LinkedHashMap<String, Source>();
        sources.forEach(s -> byId.put(s.id(), s));
        this.sources = Map.copyOf(byId);
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The ids of the sources, for the log. */
    public String sourceIds() {
        return sources.keySet().stream().sorted().collect(Collectors.joining(", "));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        Source source = path.startsWith(PREFIX) ? sources.get(path.substring(PREFIX.length())) : null;
        if (source == null) {
            return answer(response, callback, IngestMeters.UNKNOWN_SOURCE, Outcome.UNKNOWN_SOURCE);
        }
        if (!HttpMethod.POST.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            return answer(response, callback, source.id(), Outcome.METHOD_NOT_ALLOWED);
        }
        long length = request.getLength(); // -1 when chunked: then reading stops at the limit
        if (length > limits.maxBytes()) {
            return answer(response, callback, source.id(), Outcome.TOO_LARGE);
        }
        long reserved = length >= 0 ? length : limits.maxBytes();
        if (held.addAndGet(reserved) > limits.maxHeldBytes()) {
            held.addAndGet(-reserved);
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            return answer(response, callback, source.id(), Outcome.BUSY);
        }
        Callback release = Callback.from(callback, () -> held.addAndGet(-reserved));
        long start = System.nanoTime();
        // BLOCKING: what follows (an HMAC, a JSON pass, send(), which may wait for metadata) must never run on the
        // selector thread that Jetty could otherwise complete a read on
        Content.Source.asByteArrayAsync(
                request,
                limits.maxBytes(),
                Promise.Invocable.from(InvocationType.BLOCKING, (byte[] body, Throwable failure) -> {
                    if (failure != null) {
                        // past maxBytes, else the client's connection broke (the answer may not reach it)
                        boolean tooLarge =
                                Request.getContentBytesRead(request) > limits.maxBytes() || tooLarge(failure);
                        answer(response, release, source.id(), tooLarge ? Outcome.TOO_LARGE : Outcome.INVALID);
                    } else {
                        received(source, request, response, release, body, start);
                    }
                }));
        return true;
    }

    /** Jetty's bounded read fails with {@code IllegalStateException("Max size (…) exceeded")} past the limit. */
    private static boolean tooLarge(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
        return cause instanceof IllegalStateException;
    }

    private void received(
            Source source, Request request, Response response, Callback callback, byte[] body, long start) {
        Function<String, String> header = name -> request.getHeaders().get(name);
        var verdict = source.verifier().verify(header, body, clock.millis());
        if (verdict != SignatureVerifier.Verdict.VALID) {
            Outcome outcome = verdict == SignatureVerifier.Verdict.STALE ? Outcome.STALE : Outcome.BAD_SIGNATURE;
            refusals.refused(
                    source.id(),
                    outcome,
                    "a request from " + Request.getRemoteAddr(request) + " of " + body.length + " bytes: "
                            + (outcome == Outcome.STALE
                                    ? "signed, but its timestamp is more than "
                                            + SignatureVerifier.TOLERANCE.toMinutes() + " minutes off"
                                    : "no valid signature by the source's secrets"));
            answer(response, callback, source.id(), outcome);
            return;
        }
        byte[] key;
        try {
            key = source.key().of(body);
        } catch (EventKey.InvalidBodyException e) {
            refusals.refused(
                    source.id(), Outcome.INVALID, "a signed body of " + body.length + " bytes: " + e.getMessage());
            answer(response, callback, source.id(), Outcome.INVALID);
            return;
        }
        write(source, response, callback, key, body, start);
    }

    /** Answers only from the broker's acknowledgement (or failure): a 2xx never stands for a write still pending. */
    private void write(Source source, Response response, Callback callback, byte[] key, byte[] body, long start) {
        try {
            producer.send(new ProducerRecord<>(topic, key, body), (metadata, failure) -> {
                if (failure == null) {
                    meters.accepted(source.id(), Outcome.ACCEPTED.label, Duration.ofNanos(System.nanoTime() - start));
                    respond(response, callback, Outcome.ACCEPTED);
                } else if (failure instanceof RecordTooLargeException) { // the topic's max.message.bytes is lower
                    log.warn("ingest {}: {} refused a {}-byte event as too large", source.id(), topic, body.length);
                    answer(response, callback, source.id(), Outcome.TOO_LARGE);
                } else {
                    unavailable(source, response, callback, failure);
                }
            });
        } catch (KafkaException | IllegalStateException e) { // send(): no metadata within max.block.ms, or closed
            unavailable(source, response, callback, e);
        }
    }

    private void unavailable(Source source, Response response, Callback callback, Exception failure) {
        log.warn(
                "ingest {}: the write to {} failed, answered 503: {}: {}",
                source.id(),
                topic,
                failure.getClass().getSimpleName(),
                failure.getMessage());
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
        answer(response, callback, source.id(), Outcome.UNAVAILABLE);
    }

    private boolean answer(Response response, Callback callback, String source, Outcome outcome) {
        meters.request(source, outcome.label);
        respond(response, callback, outcome);
        return true;
    }

    /** A small JSON answer; never anything of the request. */
    private static void respond(Response response, Callback callback, Outcome outcome) {
        response.setStatus(outcome.status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, "{\"outcome\":\"" + outcome.label + "\"}\n", callback);
    }
}
