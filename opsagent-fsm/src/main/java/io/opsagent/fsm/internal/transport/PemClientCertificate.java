package io.opsagent.fsm.internal.transport;

import io.opsagent.fsm.OpsAgentException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/** A client certificate for mutual TLS read from a PEM certificate (chain) and a PEM PKCS#8 key. */
final class PemClientCertificate {

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PemClientCertificate() { }

    static KeyManager[] keyManagers(Path certificateFile, Path keyFile) throws IOException, GeneralSecurityException {
        Certificate[] chain = chain(certificateFile);
        PrivateKey key = key(keyFile);
        char[] password = new char[0];
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", key, password, chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf.getKeyManagers();
    }

    private static Certificate[] chain(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .toArray(new Certificate[0]);
            if (chain.length == 0) {
                throw new OpsAgentException("client certificate " + file + " holds no certificate");
            }
            return chain;
        } catch (NoSuchFileException e) {
            throw new OpsAgentException("client certificate " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new OpsAgentException("client certificate " + file + ": permission denied", e);
        } catch (CertificateException e) {
            throw new OpsAgentException("client certificate " + file
                    + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)", e);
        }
    }

    private static PrivateKey key(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new OpsAgentException("client key " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new OpsAgentException("client key " + file + ": permission denied", e);
        }
        int begin = text.indexOf(KEY_BEGIN);
        int end = text.indexOf(KEY_END);
        if (begin < 0 || end < begin) {
            throw new OpsAgentException("client key " + file + " holds no unencrypted PKCS#8 key (" + KEY_BEGIN
                    + "); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new OpsAgentException("client key " + file + ": the PEM body is not valid base64", e);
        }
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new OpsAgentException("client key " + file + " holds a key of none of " + ALGORITHMS);
    }
}
