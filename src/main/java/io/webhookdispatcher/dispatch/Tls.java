package io.webhookdispatcher.dispatch;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A subscription's TLS settings, its PEM files already read and checked by the config loader: the CAs its
 * receiver's certificate may be signed by, and the client certificate it presents (mTLS). Hostname verification
 * and TLS 1.2 or later are not settings: they always apply.
 *
 * <p>Equal when the same files held the same bytes when loaded, so a renewed certificate (same paths, new content)
 * makes the subscription a changed one on the next reload, and gets it a new connection pool.
 *
 * @param ca     trusted CAs besides (or instead of) the JVM's; empty: the JVM's trust store alone
 * @param client the client certificate chain and key; empty: none is presented
 */
public record Tls(Optional<CaBundle> ca, Optional<ClientCertificate> client) {
    /** The JVM's trust store, no client certificate. */
    public static final Tls DEFAULT = new Tls(Optional.empty(), Optional.empty());

    public Tls {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(client, "client");
    }

    public boolean isDefault() {
        return ca.isEmpty() && client.isEmpty();
    }

    /** The files these settings were read from, so that a reload can tell when they change. */
    public List<Path> files() {
        var files = new ArrayList<Path>();
        ca.ifPresent(c -> files.add(c.file()));
        client.ifPresent(c -> {
            files.add(c.certFile());
            files.add(c.keyFile());
        });
        return files;
    }

    @Override
    public String toString() {
        return "Tls[" + ca.map(CaBundle::toString).orElse("system trust")
                + client.map(c -> ", " + c).orElse("") + "]";
    }

    /** How {@code tls.caFile} combines with the JVM's trust store. */
    public enum Trust {
        /** The JVM's CAs and the file's: a private CA for some receivers, public CAs still accepted. */
        SYSTEM_AND_CA("system+ca"),
        /** Only the file's CAs: a receiver with a publicly trusted certificate is refused too. */
        CA_ONLY("ca-only");

        public final String label;

        Trust(String label) {
            this.label = label;
        }
    }

    /**
     * @param sha256 of the file's bytes as read: what equality compares, rather than the certificates
     */
    public record CaBundle(Path file, Trust trust, List<X509Certificate> certificates, String sha256) {
        public CaBundle {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(trust, "trust");
            Objects.requireNonNull(sha256, "sha256");
            certificates = List.copyOf(certificates);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CaBundle c && file.equals(c.file) && trust == c.trust && sha256.equals(c.sha256);
        }

        @Override
        public int hashCode() {
            return Objects.hash(file, trust, sha256);
        }

        @Override
        public String toString() {
            return "caFile=" + file + " (" + certificates.size() + " CAs, trust " + trust.label + ")";
        }
    }

    /**
     * A client certificate chain (leaf first) and its private key, checked to belong together. Never shows the
     * key: {@link #toString} names the files and the certificate's subject.
     *
     * @param sha256 of the two files' bytes as read: what equality compares, rather than the key
     */
    public record ClientCertificate(
            Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key, String sha256) {
        public ClientCertificate {
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(sha256, "sha256");
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("a client certificate needs at least one certificate");
            }
        }

        public String subject() {
            return chain.get(0).getSubjectX500Principal().getName();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ClientCertificate c
                    && certFile.equals(c.certFile)
                    && keyFile.equals(c.keyFile)
                    && sha256.equals(c.sha256);
        }

        @Override
        public int hashCode() {
            return Objects.hash(certFile, keyFile, sha256);
        }

        @Override
        public String toString() {
            return "certFile=" + certFile + " (" + subject() + "), keyFile=" + keyFile;
        }
    }
}
