package io.webhookdispatcher.http;

import io.webhookdispatcher.dispatch.Tls;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The JDK TLS objects for a subscription's {@link Tls} settings. Trust goes through the JDK's own PKIX trust
 * manager (never a hand-written one), so certificate path checks and, with the HTTP client's endpoint
 * identification, hostname verification are the JDK's.
 */
final class SslContexts {
    /** TLS 1.2 and 1.3 only, whatever the JVM's defaults allow. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * The JDK client's switch that turns hostname verification off for every client in the JVM. The sender refuses
     * to start with it set: verification is not a setting.
     */
    static final String DISABLE_HOSTNAME_VERIFICATION = "jdk.internal.httpclient.disableHostnameVerification";

    private static final String ALIAS = "client";

    private SslContexts() {}

    static SSLParameters parameters() {
        var parameters = new SSLParameters();
        parameters.setProtocols(PROTOCOLS.toArray(String[]::new));
        return parameters;
    }

    /** Refuses a JVM whose HTTP client would skip hostname verification (the JDK treats an empty value as true). */
    static void requireHostnameVerification(String propertyValue) {
        if (propertyValue != null && !propertyValue.equalsIgnoreCase("false")) {
            throw new IllegalStateException("-D" + DISABLE_HOSTNAME_VERIFICATION
                    + " is set: webhooks are never sent without hostname verification; remove it");
        }
    }

    /** A context for {@code tls}; only called for non-default settings (the default client uses the JVM's). */
    static SSLContext context(Tls tls) throws GeneralSecurityException {
        KeyManager[] keys = tls.client().map(SslContexts::keyManagers).orElse(null);
        TrustManager[] trust = tls.ca().map(SslContexts::trustManagers).orElse(null);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys, trust, null);
        return context;
    }

    private static KeyManager[] keyManagers(Tls.ClientCertificate client) {
        try {
            char[] password = new char[0]; // an in-memory store only: never written anywhere
            KeyStore store = emptyStore();
            store.setKeyEntry(ALIAS, client.key(), password, client.chain().toArray(Certificate[]::new));
            var factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            for (KeyManager manager : factory.getKeyManagers()) {
                if (manager instanceof X509ExtendedKeyManager x509) {
                    return new KeyManager[] {new AlwaysPresent(x509)};
                }
            }
            throw new IllegalStateException("no X.509 key manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the client certificate " + client.subject(), e);
        }
    }

    /** The JVM's CAs (for {@code system+ca}) and the bundle's, as the trust anchors of a PKIX trust manager. */
    private static TrustManager[] trustManagers(Tls.CaBundle ca) {
        try {
            KeyStore store = emptyStore();
            int n = 0;
            if (ca.trust() == Tls.Trust.SYSTEM_AND_CA) {
                for (X509Certificate system : systemCas()) {
                    store.setCertificateEntry("system-" + n++, system);
                }
            }
            for (X509Certificate certificate : ca.certificates()) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the CAs of " + ca.file(), e);
        }
    }

    private static X509Certificate[] systemCas() throws GeneralSecurityException {
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509.getAcceptedIssuers();
            }
        }
        return new X509Certificate[0];
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e); // an empty in-memory store reads nothing
        }
        return store;
    }

    /**
     * Presents the configured certificate whenever the server asks for one and its key type fits, whatever CA
     * names the server's request lists: the JDK's own choice would silently send no certificate when the list
     * names only an intermediate, or some other CA, and the failure would then read "no certificate" rather than
     * the receiver's actual verdict on the one configured.
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager delegate;

        AlwaysPresent(X509ExtendedKeyManager delegate) {
            this.delegate = delegate;
        }

        private String alias(String[] keyTypes) {
            for (String keyType : keyTypes) {
                String[] aliases = delegate.getClientAliases(keyType, null);
                if (aliases != null && aliases.length > 0) {
                    return aliases[0];
                }
            }
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return alias(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return alias(keyTypes);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, null);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null; // a client only
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
