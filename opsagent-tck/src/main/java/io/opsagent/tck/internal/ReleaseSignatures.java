package io.opsagent.tck.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.HexFormat;

/**
 * The cryptography of the release format (SPEC.md, "Release format"), with the JDK only: Ed25519
 * key pairs, the text a release signature covers, signing it, and the SHA-256 of a file.
 * Internal to the kit.
 */
public final class ReleaseSignatures {

  /** The JDK's name of the signature algorithm. */
  public static final String ALGORITHM = "Ed25519";
  /** The first line of the signed text; names its format. */
  public static final String SIGNED_TEXT_HEADER = "opsagent-release v1";

  private ReleaseSignatures() {}

  /** A fresh Ed25519 key pair. */
  public static KeyPair newKeyPair() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
    }
  }

  /**
   * What a release signature covers: {@code opsagent-release v1}, {@code version=<version>} and
   * {@code sha256=<lower-case hex>}, each line ending in {@code \n}, in US-ASCII.
   */
  public static byte[] signedText(String version, String sha256) {
    return (SIGNED_TEXT_HEADER + "\nversion=" + version + "\nsha256=" + sha256 + "\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The raw 64-byte Ed25519 signature of {@code version} with {@code sha256}. */
  public static byte[] sign(String version, String sha256, PrivateKey key) {
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(key);
      signer.update(signedText(version, sha256));
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with an Ed25519 key: " + e, e);
    }
  }

  /** The SHA-256 of {@code file} in lower-case hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
