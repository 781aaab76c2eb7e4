package io.opsagent.tck.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Certificates the kit makes for itself, for the {@code wss://} rule (R1.8): its own CA, a server
 * certificate from that CA for 127.0.0.1, one from that CA for another host name, and a
 * self-signed one for 127.0.0.1 that no CA vouches for. Made once per JVM with the JDK's
 * {@code keytool} (the JDK has no API that issues certificates), in a temporary folder that is
 * deleted when the JVM exits.
 */
public final class TestCertificates {

  private static final String PASSWORD = "opsagent-tck";
  private static TestCertificates instance;

  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** The kit's certificates, made on first use. */
  public static synchronized TestCertificates get() throws IOException {
    if (instance == null) {
      Path dir = Files.createTempDirectory("opsagent-tck-tls-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir),
          "tck-certificates-cleanup"));
      TestCertificates made = new TestCertificates(dir);
      made.make();
      instance = made;
    }
    return instance;
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a temporary folder; the system cleans it up eventually
    }
  }

  /** The kit CA's certificate (PEM): what an agent is configured to trust. */
  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  /** A server key and certificate for IP 127.0.0.1 and localhost, issued by the kit's CA. */
  public SSLContext loopback() throws IOException {
    return context("loopback.p12");
  }

  /** A server key and certificate for the host name {@code wrong-host.invalid}, from the kit's CA. */
  public SSLContext otherHostName() throws IOException {
    return context("other-host.p12");
  }

  /** A self-signed server certificate for 127.0.0.1: right name, but no trusted issuer. */
  public SSLContext untrusted() throws IOException {
    return context("untrusted.p12");
  }

  /**
   * Eight keytool runs, most of them side by side: each starts a JVM, which is slow on a busy
   * machine. The CA's PEM and the issued chains are put together here, not by keytool.
   */
  private void make() throws IOException {
    CompletableFuture<Void> ca = run(() -> {
      keytool("-genkeypair", "-alias", "ca", "-dname", "CN=OpsAgent TCK CA", "-ext", "bc:c",
          "-keystore", "ca.p12");
      writeCaPem();
    });
    CompletableFuture<Void> loopbackKey = run(() ->
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=127.0.0.1", "-keystore",
            "loopback.p12"));
    CompletableFuture<Void> otherKey = run(() ->
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=wrong-host.invalid",
            "-keystore", "other-host.p12"));
    CompletableFuture<Void> untrusted = run(() ->
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=127.0.0.1", "-ext",
            "san=ip:127.0.0.1", "-keystore", "untrusted.p12"));
    CompletableFuture<Void> loopback = CompletableFuture.allOf(ca, loopbackKey).thenRun(
        unchecked(() -> issue("loopback", "san=ip:127.0.0.1,dns:localhost")));
    CompletableFuture<Void> other = CompletableFuture.allOf(ca, otherKey).thenRun(
        unchecked(() -> issue("other-host", "san=dns:wrong-host.invalid")));
    try {
      CompletableFuture.allOf(loopback, other, untrusted).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof UncheckedIOException
          ? ((UncheckedIOException) cause).getCause()
          : new IOException("cannot make the kit's certificates: " + cause, cause);
    }
  }

  /** An action that may throw IOException. */
  private interface Step {
    void run() throws IOException;
  }

  private static Runnable unchecked(Step step) {
    return () -> {
      try {
        step.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static CompletableFuture<Void> run(Step step) {
    return CompletableFuture.runAsync(unchecked(step));
  }

  private void issue(String name, String san) throws IOException {
    keytool("-certreq", "-alias", "server", "-keystore", name + ".p12", "-file", name + ".csr");
    keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", name + ".csr",
        "-outfile", name + ".pem", "-rfc", "-ext", san);
  }

  private void writeCaPem() throws IOException {
    try {
      Certificate ca = load("ca.p12").getCertificate("ca");
      String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(ca.getEncoded());
      Files.writeString(caPem(), "-----BEGIN CERTIFICATE-----\n" + body
          + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode the kit's CA certificate: " + e, e);
    }
  }

  private KeyStore load(String store) throws IOException {
    try (InputStream in = Files.newInputStream(dir.resolve(store))) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, PASSWORD.toCharArray());
      return keys;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load the kit's key store " + store + ": " + e, e);
    }
  }

  private void keytool(String... args) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    if (!Files.isExecutable(keytool)) {
      throw new IOException("the kit makes its TLS certificates with the JDK's keytool, which is"
          + " not at " + keytool + ": run the kit on a JDK");
    }
    List<String> command = new ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
    command.addAll(List.of(args));
    boolean generates = args[0].equals("-genkeypair");
    if (generates) {
      command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1"));
    }
    if (generates || args[0].equals("-gencert")) {
      command.addAll(List.of("-validity", "2"));
    }
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
    Process process = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output;
    try (InputStream out = process.getInputStream()) {
      output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("keytool " + args[0] + " did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool " + args[0] + " ran", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed with exit status "
          + process.exitValue() + ": " + output.trim());
    }
  }

  /** A server context with the key of {@code store} and, when issued, its chain up to the CA. */
  private SSLContext context(String store) throws IOException {
    KeyStore keys = load(store);
    Path issued = dir.resolve(store.replace(".p12", ".pem"));
    try {
      if (Files.exists(issued)) {
        List<Certificate> chain = new ArrayList<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(issued)) {
          chain.addAll(factory.generateCertificates(in));
        }
        chain.add(load("ca.p12").getCertificate("ca"));
        keys.setKeyEntry("server", keys.getKey("server", PASSWORD.toCharArray()),
            PASSWORD.toCharArray(), chain.toArray(new Certificate[0]));
      }
      KeyManagerFactory managers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      managers.init(keys, PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(managers.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the kit's key store " + store + ": " + e, e);
    }
  }
}
