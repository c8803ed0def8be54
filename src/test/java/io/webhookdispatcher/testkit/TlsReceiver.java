package io.webhookdispatcher.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real HTTPS webhook receiver on a free port of 127.0.0.1 that requires a client certificate signed by one of its
 * trusted CAs ({@code SSLServerSocket} with {@code needClientAuth}), speaking just enough HTTP/1.1 for the
 * dispatcher: requests with a {@code Content-Length} body, keep-alive, an empty 200 answer. Records who sent each
 * request and every refused handshake. A plain socket rather than the JDK's {@code HttpsServer}: that one closes a
 * refused connection without the TLS alert, so a client on TLS 1.3 (whose handshake is done before the server has
 * judged its certificate) sees only an empty response; real servers send the alert, and so does this one.
 *
 * <p>Its certificates are the committed test fixtures of {@code src/test/resources/tls/} (see {@code regenerate.sh}
 * there); its own PEM reading is independent of the product's.
 */
public final class TlsReceiver implements AutoCloseable {
    private static final Pattern BLOCK = Pattern.compile("(?s)-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----");

    /** One request that passed the handshake. */
    public record Received(String path, String clientSubject, byte[] body) {}

    private final SSLServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        var t = new Thread(r, "tls-receiver");
        t.setDaemon(true);
        return t;
    });
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    /**
     * @param serverCert the fixture the server presents: {@code "server"} (localhost, 127.0.0.1) or {@code
     *                   "wrong-host"}
     * @param trustedCas the fixtures of the CAs whose client certificates it accepts, such as {@code "ca"}
     */
    public TlsReceiver(String serverCert, String... trustedCas) {
        try {
            var context = SSLContext.getInstance("TLS");
            context.init(keyManagers(serverCert), trustManagers(trustedCas), null);
            server = (SSLServerSocket)
                    context.getServerSocketFactory().createServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
            server.setNeedClientAuth(true);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        executor.execute(this::accept);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                executor.execute(() -> serve((SSLSocket) socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SSLSocket socket) {
        try (socket) {
            String subject;
            try {
                socket.startHandshake(); // the server's side ends after judging the client's certificate
                subject = ((X509Certificate) socket.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName();
            } catch (IOException e) {
                refused.add(e.toString());
                return;
            }
            var in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String requestLine;
            while ((requestLine = line(in)) != null && !requestLine.isEmpty()) {
                int length = 0;
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    int colon = header.indexOf(':');
                    if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                        length = Integer.parseInt(header.substring(colon + 1).trim());
                    }
                }
                byte[] body = in.readNBytes(length);
                received.add(new Received(requestLine.split(" ")[1], subject, body));
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** A CRLF-terminated line without its end, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        var line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    /** The path of a fixture file, such as {@code file("client.pem")}. */
    public static Path file(String name) {
        try {
            var url = TlsReceiver.class.getResource("/tls/" + name);
            if (url == null) {
                throw new IllegalArgumentException("no TLS fixture " + name);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code https://<host>:<port><path>}; the server certificate names {@code localhost} and {@code 127.0.0.1}. */
    public String url(String host, String path) {
        return "https://" + host + ":" + server.getLocalPort() + path;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** The handshakes it refused (a client certificate missing or not trusted), as the server's exceptions. */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    @Override
    public void close() {
        try {
            server.close();
            for (Socket socket : connections) {
                socket.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        executor.shutdownNow();
    }

    private static javax.net.ssl.KeyManager[] keyManagers(String name) throws IOException, GeneralSecurityException {
        char[] password = "test".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key(file(name + ".key")), password, certificates(file(name + ".pem")));
        var factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    private static javax.net.ssl.TrustManager[] trustManagers(String... cas)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (String ca : cas) {
            store.setCertificateEntry(ca, certificates(file(ca + ".pem"))[0]);
        }
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    static Certificate[] certificates(Path pem) throws IOException, GeneralSecurityException {
        var factory = CertificateFactory.getInstance("X.509");
        var result = new ArrayList<Certificate>();
        for (byte[] der : blocks(pem, "CERTIFICATE")) {
            result.add(factory.generateCertificate(new ByteArrayInputStream(der)));
        }
        return result.toArray(Certificate[]::new);
    }

    static PrivateKey key(Path pem) throws IOException, GeneralSecurityException {
        byte[] der = blocks(pem, "PRIVATE KEY").get(0);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (java.security.spec.InvalidKeySpecException notRsa) {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        }
    }

    private static List<byte[]> blocks(Path pem, String type) throws IOException {
        Matcher m = BLOCK.matcher(Files.readString(pem));
        var result = new ArrayList<byte[]>();
        while (m.find()) {
            if (m.group(1).equals(type)) {
                result.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return result;
    }
}
