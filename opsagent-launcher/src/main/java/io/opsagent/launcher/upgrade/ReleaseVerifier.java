package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * ({@code sha256sum} format) and {@code opsagent.tgz.sig} (an Ed25519 signature, the raw 64 bytes
 * in base64). The signature covers the release's version and the tarball's SHA-256 together, as
 * the {@linkplain #signedText(String, String) signed text}, so a signed release cannot be served
 * under another version's name. Used by the agent after download and by the release manager's
 * tools.
 */
final class ReleaseVerifier {

    /** The first line of the {@linkplain #signedText(String, String) signed text}; names its format. */
    static final String SIGNED_TEXT_HEADER = "opsagent-release v1";

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

    /**
     * The text a release signature covers: {@code opsagent-release v1}, then
     * {@code version=<version>} and {@code sha256=<lower-case hex>}, each line ending in
     * {@code \n}, in US-ASCII.
     */
    static byte[] signedText(String version, String sha256) {
        return (SIGNED_TEXT_HEADER + "\nversion=" + ReleaseVersion.requireValid(version) + "\nsha256="
                + sha256.toLowerCase(Locale.ROOT) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The largest tarball whose signature is checked against the older format, to explain a
     * signature that fails: a quarter of the heap. The JDK's Ed25519 verifier buffers the whole
     * message and copies it once, so a larger one (the platform release is about 50 MB) would
     * exhaust the daemon's heap and end the process.
     */
    static long olderFormatCheckLimit() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /**
     * Verifies that {@code signature} signs {@code version} together with {@code sha256}, the
     * digest of the tarball that was checked against its checksum file.
     *
     * @param file the tarball, read only to explain a signature in the older format
     * @throws UpgradeException ({@link Kind#REJECTED}) if it does not
     */
    static void requireSignature(Path file, String version, String sha256, byte[] signature, PublicKey key,
            String what) throws IOException {
        requireSignature(file, version, sha256, signature, key, what, olderFormatCheckLimit());
    }

    /** As above, explaining a signature of the older format only for a tarball of at most {@code olderFormatLimit} bytes. */
    static void requireSignature(Path file, String version, String sha256, byte[] signature, PublicKey key,
            String what, long olderFormatLimit) throws IOException {
        if (verifies(key, signature, what, new ByteArrayInputStream(signedText(version, sha256)))) {
            return;
        }
        boolean signsBytesAlone = false;
        if (Files.size(file) <= olderFormatLimit) {
            try (InputStream in = Files.newInputStream(file)) {
                signsBytesAlone = verifies(key, signature, what, in);
            }
        }
        if (signsBytesAlone) {
            throw new UpgradeException(Kind.REJECTED, "signature of " + what
                    + " covers the tarball's bytes but not its version, a format agents no longer accept because"
                    + " it would let a release be served under another version's name; re-sign the release with"
                    + " 'opsagent release-sign --version " + version + " --key PRIVATE_KEY opsagent.tgz'");
        }
        throw new UpgradeException(Kind.REJECTED, "signature of " + what
                + " does not verify with the configured key (" + ReleaseKeys.fingerprint(key)
                + ")");
    }

    private static boolean verifies(PublicKey key, byte[] signature, String what, InputStream signed)
            throws IOException {
        try {
            Signature verifier = Signature.getInstance(ReleaseKeys.ALGORITHM);
            verifier.initVerify(key);
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = signed.read(buf)) > 0) {
                verifier.update(buf, 0, n);
            }
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new UpgradeException(Kind.REJECTED, "signature of " + what
                    + " cannot be checked with the configured key: " + e.getMessage(), e);
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
