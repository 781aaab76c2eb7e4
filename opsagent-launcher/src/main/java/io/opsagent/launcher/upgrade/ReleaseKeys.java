package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the Ed25519 release-signing keys: the public key as X.509
 * SubjectPublicKeyInfo (PEM {@code PUBLIC KEY}, or its base64 on one line for the configuration
 * file), the private key as PKCS#8 (PEM {@code PRIVATE KEY}). These are the formats OpenSSL
 * writes, so keys made with {@code openssl genpkey -algorithm ed25519} work too.
 */
public final class ReleaseKeys {

    /** The JDK's name for the algorithm (Java 15 and later). */
    public static final String ALGORITHM = "Ed25519";

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");
    private static final int MAX_KEY_FILE = 16 * 1024;

    private ReleaseKeys() { }

    /**
     * Parses a public key: a PEM {@code PUBLIC KEY} block, or the base64 of the DER bytes on
     * one line (what {@code [upgrade] public_key} holds).
     *
     * @throws UpgradeException ({@link Kind#HOST}) if it is not an Ed25519 public key
     */
    public static PublicKey parsePublicKey(String text) {
        byte[] der = decode(text, "PUBLIC KEY", "upgrade public key");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new UpgradeException(Kind.HOST, "the upgrade public key is not an Ed25519 public key "
                    + "(X.509 SubjectPublicKeyInfo, PEM or base64): " + e.getMessage(), e);
        }
    }

    /** Reads a public key from a PEM (or one-line base64) file. */
    public static PublicKey readPublicKey(Path file) {
        return parsePublicKey(readKeyFile(file, "public key"));
    }

    /**
     * Reads a private key from a PKCS#8 PEM file.
     *
     * @throws UpgradeException ({@link Kind#HOST}) if it cannot be read or is not an Ed25519 key
     */
    public static PrivateKey readPrivateKey(Path file) {
        byte[] der = decode(readKeyFile(file, "private key"), "PRIVATE KEY", "private key " + file);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new UpgradeException(Kind.HOST, "private key " + file + " is not an Ed25519 private key "
                    + "(PKCS#8 PEM): " + e.getMessage(), e);
        }
    }

    /** The PEM text of a public key ({@code -----BEGIN PUBLIC KEY-----}). */
    public static String toPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    /** The PEM text of a private key ({@code -----BEGIN PRIVATE KEY-----}). */
    public static String toPem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** The public key's DER bytes in base64 on one line: the value for {@code [upgrade] public_key}. */
    public static String toBase64(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** A short name for a public key, to compare keys in logs: {@code SHA256:} and 16 hex digits. */
    public static String fingerprint(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            StringBuilder b = new StringBuilder("SHA256:");
            for (int i = 0; i < 8; i++) {
                b.append(String.format("%02x", digest[i]));
            }
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String readKeyFile(Path file, String what) {
        try {
            if (Files.size(file) > MAX_KEY_FILE) {
                throw new UpgradeException(Kind.HOST, what + " file " + file + " is larger than "
                        + FileOps.size(MAX_KEY_FILE) + "; is it a key?");
            }
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot read " + what + " file " + file + ": " + e, e);
        }
    }

    private static byte[] decode(String text, String label, String what) {
        if (text == null || text.isBlank()) {
            throw new UpgradeException(Kind.HOST, what + " is empty");
        }
        String body = text.strip();
        Matcher m = PEM.matcher(body);
        if (m.find()) {
            if (!m.group(1).equals(label)) {
                throw new UpgradeException(Kind.HOST, what + " is a PEM " + m.group(1) + ", expected a " + label);
            }
            body = m.group(2);
        } else if (body.startsWith("-----")) {
            throw new UpgradeException(Kind.HOST, what + " is not a complete PEM " + label + " block");
        }
        try {
            return Base64.getDecoder().decode(body.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw new UpgradeException(Kind.HOST, what + " is not valid base64: " + e.getMessage(), e);
        }
    }

    private static String pem(String label, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
    }
}
