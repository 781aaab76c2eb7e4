package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a release tarball against its two companion files: {@code opsagent.tgz.sha256}
 * ({@code sha256sum} format) and {@code opsagent.tgz.sig} (an Ed25519 signature over the
 * tarball's bytes, the raw 64 bytes in base64). Used by the agent after download and by the
 * release manager's tools.
 */
final class ReleaseVerifier {

    /** Length of a raw Ed25519 signature. */
    static final int SIGNATURE_BYTES = 64;

    /** {@code <64 hex>}, then optionally blanks, an optional {@code *} (binary mode) and a file name. */
    private static final Pattern CHECKSUM_LINE = Pattern.compile("([0-9a-fA-F]{64})(?:[ \\t]+\\*?(\\S.*))?");

    private ReleaseVerifier() { }

    /**
     * The hex digest from the text of a checksum file: the first non-blank line must be
     * {@code <hex>  <name>} (or the bare hex). The name is not checked: only the digest matters.
     *
     * @param what names the release in messages, e.g. {@code opsagent.tgz 1.3}
     */
    static String parseChecksum(String text, String what) {
        String line = firstLine(text);
        Matcher m = CHECKSUM_LINE.matcher(line);
        if (!m.matches()) {
            throw new UpgradeException(Kind.REJECTED, "checksum file of " + what
                    + " is not in sha256sum format ('<64 hex digits>  opsagent.tgz'): starts with "
                    + ReleaseVersion.quote(line));
        }
        return m.group(1).toLowerCase(Locale.ROOT);
    }

    /** The raw signature from the text of a signature file: base64 of exactly 64 bytes. */
    static byte[] parseSignature(String text, String what) {
        String line = firstLine(text);
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            throw new UpgradeException(Kind.REJECTED, "signature file of " + what
                    + " is not base64 of a 64-byte Ed25519 signature: " + e.getMessage());
        }
        if (sig.length != SIGNATURE_BYTES) {
            throw new UpgradeException(Kind.REJECTED, "signature file of " + what + " holds " + sig.length
                    + " bytes, not a 64-byte Ed25519 signature");
        }
        return sig;
    }

    /** The SHA-256 of a file in lower-case hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Checks the digest of the tarball against the one its checksum file states. */
    static void requireChecksum(String expected, String actual, String what, String source) {
        if (!expected.equalsIgnoreCase(actual)) {
            throw new UpgradeException(Kind.REJECTED, "checksum of " + what + " does not match: "
                    + source + " says " + expected + ", the downloaded file has " + actual);
        }
    }

    /** Verifies an Ed25519 signature over the whole file. */
    static void requireSignature(Path file, byte[] signature, PublicKey key, String what) throws IOException {
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(ReleaseKeys.ALGORITHM);
            verifier.initVerify(key);
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    verifier.update(buf, 0, n);
                }
            }
            valid = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new UpgradeException(Kind.REJECTED, "signature of " + what
                    + " cannot be checked with the configured key: " + e.getMessage(), e);
        }
        if (!valid) {
            throw new UpgradeException(Kind.REJECTED, "signature of " + what
                    + " does not verify with the configured key (" + ReleaseKeys.fingerprint(key) + ")");
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String firstLine(String text) {
        for (String line : text.split("\r?\n")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return "";
    }
}
