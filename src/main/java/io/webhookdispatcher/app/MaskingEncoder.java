package io.webhookdispatcher.app;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import io.webhookdispatcher.config.ExpandedValues;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Wraps the log format's encoder (logback.xml, logback-json.xml): each event it writes, stack trace included, with
 * every value expanded from the environment masked ({@link ExpandedValues}), whoever logged it: our code, or a Kafka
 * client quoting its config (issue 20). Works on the encoded text, so it needs nothing of the encoder it wraps;
 * {@link ExpandedValues} also knows each value's JSON-escaped form.
 */
public final class MaskingEncoder extends EncoderBase<ILoggingEvent> {
    private Encoder<ILoggingEvent> encoder;

    /** The encoder that formats the event (logback's nested {@code <encoder>}). */
    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
    }

    @Override
    public void start() {
        if (encoder == null) {
            addError("no nested <encoder> to mask");
            return;
        }
        if (!encoder.isStarted()) {
            encoder.start();
        }
        super.start();
    }

    @Override
    public byte[] headerBytes() {
        return encoder.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] encoded = encoder.encode(event);
        String text = new String(encoded, StandardCharsets.UTF_8);
        String masked = ExpandedValues.mask(text);
        return masked.equals(text) ? encoded : masked.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return encoder.footerBytes();
    }
}
