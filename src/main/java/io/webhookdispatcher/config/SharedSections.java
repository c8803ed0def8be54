package io.webhookdispatcher.config;

import io.webhookdispatcher.config.ConfigKeys.Breaker;
import io.webhookdispatcher.config.ConfigKeys.TlsKeys;
import io.webhookdispatcher.dispatch.CircuitBreaker;
import io.webhookdispatcher.dispatch.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The two mappings a subscription shares with the delivery section, {@code circuitBreaker} and {@code tls}: each
 * key not set in a subscription's comes from the delivery section's (for TLS, by halves).
 */
final class SharedSections {
    /** A PEM file larger than this is a mistake (a system CA bundle is about 200 KiB). */
    private static final long MAX_PEM_BYTES = 1 << 20;

    private SharedSections() {}

    /** A circuitBreaker mapping; every field defaults to {@code defaults}' (global, or the delivery section's). */
    static CircuitBreaker.Settings breaker(Node node, String key, CircuitBreaker.Settings defaults) {
        if (!node.hasValue(key)) {
            node.take(key);
            return defaults;
        }
        Node b = node.section(key);
        boolean enabled = Breaker.ENABLED.read(b, defaults.enabled());
        int failureThreshold = Breaker.FAILURE_THRESHOLD.read(b, defaults.failureThreshold());
        double failureRatio = Breaker.FAILURE_RATIO.read(b, defaults.failureRatio());
        int window = Breaker.WINDOW.read(b, defaults.window());
        int minimumAttempts = Breaker.MINIMUM_ATTEMPTS.read(b, Math.min(defaults.minimumAttempts(), window));
        Duration open = Breaker.OPEN_DURATION.read(b, defaults.openDuration());
        Duration maxOpen = Breaker.MAX_OPEN_DURATION.read(b, defaults.maxOpenDuration());
        b.rejectUnknownKeys();
        if (failureRatio == 0) {
            b.error(Breaker.FAILURE_RATIO.name(), "must be more than 0");
        } else if (minimumAttempts > window) {
            b.error(Breaker.MINIMUM_ATTEMPTS.name(), "must not be more than window (" + window + ")");
        } else if (maxOpen.compareTo(open) < 0) {
            b.error(Breaker.MAX_OPEN_DURATION.name(), "must not be shorter than openDuration");
        } else {
            return new CircuitBreaker.Settings(
                    enabled, failureThreshold, failureRatio, window, minimumAttempts, open, maxOpen);
        }
        return defaults;
    }

    /**
     * A tls mapping. Its two halves, the CAs ({@code caFile}, {@code trust}) and the client certificate
     * ({@code certFile}, {@code keyFile}), each come from {@code defaults} (the delivery section's) when none of
     * their keys is set here. The files are read and checked now: a config that loads can make handshakes.
     */
    static Tls tls(Node node, String key, Tls defaults) {
        if (!node.hasValue(key)) {
            node.take(key);
            return defaults;
        }
        Node t = node.section(key);
        Optional<Tls.CaBundle> ca =
                t.has(TlsKeys.CA_FILE.name()) || t.has(TlsKeys.TRUST.name()) ? caBundle(t) : defaults.ca();
        Optional<Tls.ClientCertificate> client = t.has(TlsKeys.CERT_FILE.name()) || t.has(TlsKeys.KEY_FILE.name())
                ? clientCertificate(t)
                : defaults.client();
        t.rejectUnknownKeys();
        return new Tls(ca, client);
    }

    private static Optional<Tls.CaBundle> caBundle(Node t) {
        String file = TlsKeys.CA_FILE.read(t);
        Tls.Trust trust = TlsKeys.TRUST.read(t);
        String caFile = TlsKeys.CA_FILE.name();
        if (file == null) {
            if (!t.failed(caFile)) {
                t.error(caFile, "is required with trust: a PEM file of the CAs to trust");
            }
            return Optional.empty();
        }
        byte[] bytes = readFile(t, caFile, file);
        if (bytes == null || t.failed(TlsKeys.TRUST.name())) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Tls.CaBundle(Path.of(file), trust, Pem.certificates(bytes), Pem.sha256(bytes)));
        } catch (IllegalArgumentException e) {
            t.error(caFile, "'" + file + "' " + e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<Tls.ClientCertificate> clientCertificate(Node t) {
        String certFile = TlsKeys.CERT_FILE.read(t);
        String keyFile = TlsKeys.KEY_FILE.read(t);
        if (certFile == null || keyFile == null) {
            String missing = certFile == null ? TlsKeys.CERT_FILE.name() : TlsKeys.KEY_FILE.name();
            if (!t.failed(missing)) {
                t.error(missing, "is required: certFile and keyFile go together");
            }
            return Optional.empty();
        }
        byte[] certBytes = readFile(t, TlsKeys.CERT_FILE.name(), certFile);
        byte[] keyBytes = readFile(t, TlsKeys.KEY_FILE.name(), keyFile);
        if (certBytes == null || keyBytes == null) {
            return Optional.empty();
        }
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(certBytes);
        } catch (IllegalArgumentException e) {
            t.error(TlsKeys.CERT_FILE.name(), "'" + certFile + "' " + e.getMessage());
            return Optional.empty();
        }
        try {
            PrivateKey key = Pem.privateKey(keyBytes);
            Pem.checkPair(key, chain.get(0));
            return Optional.of(new Tls.ClientCertificate(
                    Path.of(certFile), Path.of(keyFile), chain, key, Pem.sha256(certBytes, keyBytes)));
        } catch (IllegalArgumentException e) {
            t.error(TlsKeys.KEY_FILE.name(), "'" + keyFile + "' " + e.getMessage());
            return Optional.empty();
        }
    }

    /** A small regular file's bytes, or null with the reason reported (never any of its content). */
    private static byte[] readFile(Node t, String key, String file) {
        try {
            Path path = Path.of(file);
            if (!Files.isRegularFile(path)) {
                t.error(key, "'" + file + "' " + (Files.exists(path) ? "is not a regular file" : "does not exist"));
            } else if (Files.size(path) > MAX_PEM_BYTES) {
                t.error(key, "'" + file + "' is larger than " + (MAX_PEM_BYTES >> 10) + " KiB: not a PEM file");
            } else {
                return Files.readAllBytes(path);
            }
        } catch (java.nio.file.AccessDeniedException e) {
            t.error(key, "'" + file + "' is not readable (permission denied)");
        } catch (IOException | java.nio.file.InvalidPathException e) {
            t.error(key, "'" + file + "' cannot be read: " + e.getClass().getSimpleName());
        }
        return null;
    }
}
