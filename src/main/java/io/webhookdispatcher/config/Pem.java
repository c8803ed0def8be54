package io.webhookdispatcher.config;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files (RFC 7468) as Kubernetes Secrets and cert-manager hold them: X.509 certificates, one or many, and
 * unencrypted PKCS#8 private keys ({@code BEGIN PRIVATE KEY}), RSA or EC. Every failure is an
 * {@link IllegalArgumentException} whose message says what is wrong and never shows any of the file's content.
 */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile("(?s)-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC");

    private Pem() {}

    /** Every {@code CERTIFICATE} block, in order; text around them (a bundle's comments) is ignored. */
    static List<X509Certificate> certificates(byte[] file) {
        var result = new ArrayList<X509Certificate>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
        Matcher m = BLOCK.matcher(new String(file, StandardCharsets.US_ASCII));
        while (m.find()) {
            if (!m.group(1).equals("CERTIFICATE")) {
                continue;
            }
            try {
                result.add((X509Certificate)
                        factory.generateCertificate(new ByteArrayInputStream(decode(m.group(2), result.size()))));
            } catch (CertificateException e) {
                throw new IllegalArgumentException(
                        "holds an invalid X.509 certificate (number " + (result.size() + 1) + ")");
            }
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return result;
    }

    /** The one private key block, which must be unencrypted PKCS#8. */
    static PrivateKey privateKey(byte[] file) {
        Matcher m = BLOCK.matcher(new String(file, StandardCharsets.US_ASCII));
        PrivateKey key = null;
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    if (key != null) {
                        throw new IllegalArgumentException("holds more than one private key");
                    }
                    key = pkcs8(decode(m.group(2), 0));
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
                    throw new IllegalArgumentException("holds a " + type
                            + " (PKCS#1/SEC1); only PKCS#8 (BEGIN PRIVATE KEY) is read: convert it with"
                            + " 'openssl pkcs8 -topk8 -nocrypt', or set cert-manager's privateKey.encoding: PKCS8");
                case "ENCRYPTED PRIVATE KEY" ->
                    throw new IllegalArgumentException(
                            "holds an encrypted key; only unencrypted PKCS#8 keys are read (keep it in a Kubernetes Secret)");
                default -> {
                    // a certificate beside the key (a combined file) is fine
                }
            }
        }
        if (key == null) {
            throw new IllegalArgumentException("holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        return key;
    }

    /** Checks that {@code key} is the private half of {@code certificate}'s public key, by a test signature. */
    static void checkPair(PrivateKey key, X509Certificate certificate) {
        PublicKey publicKey = certificate.getPublicKey();
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw new IllegalArgumentException(
                    "is a " + key.getAlgorithm() + " key but the certificate's key is " + publicKey.getAlgorithm());
        }
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // e.g. EC keys on different curves: not a pair either
        }
        throw new IllegalArgumentException("does not match the certificate "
                + certificate.getSubjectX500Principal().getName() + " (not its private key)");
    }

    /** The hex SHA-256 of the files' bytes: how a reload tells that a certificate changed. */
    static String sha256(byte[]... parts) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey pkcs8(byte[] der) {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException e) {
                // not this algorithm: try the next
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalArgumentException("holds a private key that is neither RSA nor EC, or is damaged");
    }

    private static byte[] decode(String base64, int index) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "holds a PEM block that is not valid base64 (number " + (index + 1) + ")");
        }
    }
}
