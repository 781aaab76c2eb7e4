package io.opsagent.tck.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/** The model agent's TLS (R1.8): trust the configured CA file, or the system's roots. */
final class ModelTls {

  private ModelTls() {}

  /** Makes {@code client} trust only the certificates in {@code caFile} (PEM). */
  static void trust(OkHttpClient.Builder client, Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int n = 0;
      for (Certificate certificate : CertificateFactory.getInstance("X.509")
          .generateCertificates(in)) {
        store.setCertificateEntry("ca-" + n++, certificate);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      X509TrustManager manager = (X509TrustManager) factory.getTrustManagers()[0];
      use(client, manager);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA file " + caFile, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust the CA file " + caFile + ": " + e, e);
    }
  }

  /** Breaks R1.8: accepts any certificate for any host name. */
  static void trustAnything(OkHttpClient.Builder client) {
    X509TrustManager anything = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    use(client, anything);
    client.hostnameVerifier((host, session) -> true);
  }

  private static void use(OkHttpClient.Builder client, X509TrustManager manager) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {manager}, null);
      client.sslSocketFactory(context.getSocketFactory(), manager);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS context: " + e, e);
    }
  }
}
