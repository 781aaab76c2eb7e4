package io.opsagent.fsm.internal.transport;

import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.OpsAgentException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * TLS for {@code wss://}: the certificate chain and host name are always verified (OkHttp's
 * defaults); a configured CA file replaces the system trust store, and a configured PKCS#12 file
 * or PEM certificate and key adds a client certificate.
 */
final class TlsConfigurer {

    private TlsConfigurer() { }

    static void apply(OkHttpClient.Builder builder, ConnectionSettings settings) {
        if (settings.caFile() == null && settings.clientKeyStore() == null && settings.clientCertPem() == null) {
            return;
        }
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(settings.caFile() == null ? null : trustStore(settings.caFile()));
            X509TrustManager trustManager = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    trustManager = x;
                }
            }
            if (trustManager == null) {
                throw new OpsAgentException("no X.509 trust manager is available");
            }
            KeyManager[] keyManagers = null;
            if (settings.clientKeyStore() != null) {
                char[] password = settings.clientKeyStorePassword();
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(settings.clientKeyStore())) {
                    ks.load(in, password);
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, password);
                keyManagers = kmf.getKeyManagers();
            } else if (settings.clientCertPem() != null) {
                keyManagers = PemClientCertificate.keyManagers(settings.clientCertPem(), settings.clientKeyPem());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] {trustManager}, null);
            builder.sslSocketFactory(context.getSocketFactory(), trustManager);
        } catch (IOException | GeneralSecurityException e) {
            throw new OpsAgentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore trustStore(Path caFile) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new OpsAgentException("CA file " + caFile + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new OpsAgentException("CA file " + caFile + ": permission denied", e);
        } catch (CertificateException e) {
            throw new OpsAgentException("CA file " + caFile + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                    + firstLine(caFile).map(l -> "; it starts with " + l + ", which is not a CA certificate").orElse(""),
                    e);
        }
        if (certificates.isEmpty()) {
            throw new OpsAgentException("CA file " + caFile + " holds no certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        return store;
    }

    /** The file's first line when it is a PEM header, to say what the file holds instead. */
    private static Optional<String> firstLine(Path file) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line = reader.readLine();
            return line != null && line.matches("-----BEGIN [A-Z0-9 ]{1,40}-----") ? Optional.of(line) : Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
