package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * The release manager's side of upgrades: make the signing key pair, and sign a release tarball
 * so agents accept it. The CLI's {@code opsagent release-keygen --out DIR} and
 * {@code opsagent release-sign --version VERSION --key FILE TARBALL} are thin shells over
 * {@link #generateKeyPair(Path)} and {@link #sign(Path, String, Path)}.
 *
 * <p>Formats (the same as OpenSSL's, so either tool can be used): the private key is PKCS#8 PEM,
 * written with mode {@code 0600}; the public key is X.509 SubjectPublicKeyInfo PEM;
 * {@code <tarball>.sha256} is one {@code sha256sum} line; {@code <tarball>.sig} is the raw
 * 64-byte Ed25519 signature, in base64 on one line, over the release's version and the
 * tarball's SHA-256 ({@code opsagent-release v1\nversion=<version>\nsha256=<hex>\n}).
 */
public final class ReleaseSigner {

    /** The private key's file name in the directory {@link #generateKeyPair(Path)} writes. */
    public static final String PRIVATE_KEY_FILE = "opsagent-release.key";
    /** The public key's file name in the directory {@link #generateKeyPair(Path)} writes. */
    public static final String PUBLIC_KEY_FILE = "opsagent-release.pub";

    /**
     * A new key pair on disk.
     *
     * @param privateKey the private key file (keep it offline)
     * @param publicKey the public key file
     * @param publicKeyBase64 the value for {@code [upgrade] public_key}
     * @param fingerprint a short name of the public key, as agents log it
     */
    public record KeyFiles(Path privateKey, Path publicKey, String publicKeyBase64, String fingerprint) { }

    /**
     * A signed (or verified) release.
     *
     * @param tarball the release tarball
     * @param version the release version the signature covers
     * @param checksumFile {@code <tarball>.sha256}
     * @param signatureFile {@code <tarball>.sig}
     * @param sha256 the tarball's SHA-256 in hex
     * @param size the tarball's length in bytes
     */
    public record SignedRelease(Path tarball, String version, Path checksumFile, Path signatureFile, String sha256, long size) { }

    private ReleaseSigner() { }

    /** Writes a new key pair as {@value #PRIVATE_KEY_FILE} and {@value #PUBLIC_KEY_FILE} in {@code outDir}. */
    public static KeyFiles generateKeyPair(Path outDir) {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot create " + outDir + ": " + e, e);
        }
        return generateKeyPair(outDir.resolve(PRIVATE_KEY_FILE), outDir.resolve(PUBLIC_KEY_FILE));
    }

    /**
     * Writes a new Ed25519 key pair. Existing files are never overwritten: losing a signing key
     * by accident would strand every agent configured with it.
     *
     * @throws UpgradeException ({@link Kind#HOST}) if a file exists or cannot be written
     */
    public static KeyFiles generateKeyPair(Path privateKeyFile, Path publicKeyFile) {
        for (Path p : new Path[] {privateKeyFile, publicKeyFile}) {
            if (Files.exists(p)) {
                throw new UpgradeException(Kind.HOST, p + " exists; refusing to overwrite a key file");
            }
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ReleaseKeys.ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
        }
        writeNew(privateKeyFile, ReleaseKeys.toPem(pair.getPrivate()), 0600);
        writeNew(publicKeyFile, ReleaseKeys.toPem(pair.getPublic()), 0644);
        return new KeyFiles(privateKeyFile, publicKeyFile, ReleaseKeys.toBase64(pair.getPublic()),
                ReleaseKeys.fingerprint(pair.getPublic()));
    }

    /**
     * Signs a release tarball as {@code version}: checks that agents would unpack it, then writes
     * {@code <tarball>.sha256} and {@code <tarball>.sig} beside it (replacing older ones). Agents
     * accept the signature only for an order of that version.
     *
     * @throws UpgradeException ({@link Kind#REFUSED}) if {@code version} is not a release name,
     *     ({@link Kind#REJECTED}) if agents would reject the tarball, or ({@link Kind#HOST}) if a
     *     file cannot be read or written
     */
    public static SignedRelease sign(Path tarball, String version, Path privateKeyFile) {
        ReleaseVersion.requireValid(version);
        PrivateKey key = ReleaseKeys.readPrivateKey(privateKeyFile);
        requireUnpackable(tarball);
        try {
            String sha256 = ReleaseVerifier.sha256(tarball);
            byte[] signature = signText(ReleaseVerifier.signedText(version, sha256), key);
            Path checksumFile = companion(tarball, ReleaseFetcher.CHECKSUM_SUFFIX);
            Path signatureFile = companion(tarball, ReleaseFetcher.SIGNATURE_SUFFIX);
            FileOps.writeAtomically(checksumFile,
                    (sha256 + "  " + tarball.getFileName() + "\n").getBytes(StandardCharsets.US_ASCII),
                    FileOps.permissions(0644));
            FileOps.writeAtomically(signatureFile,
                    (Base64.getEncoder().encodeToString(signature) + "\n").getBytes(StandardCharsets.US_ASCII),
                    FileOps.permissions(0644));
            return new SignedRelease(tarball, version, checksumFile, signatureFile, sha256, Files.size(tarball));
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot sign " + tarball + ": " + e, e);
        }
    }

    /**
     * Checks a tarball against the {@code .sha256} and {@code .sig} files beside it, as an agent
     * ordered to install {@code version} would after downloading it.
     *
     * @throws UpgradeException with the agent's reason if it would be rejected
     */
    public static SignedRelease verify(Path tarball, String version, PublicKey key) {
        ReleaseVersion.requireValid(version);
        String what = tarball.getFileName() + " " + version;
        Path checksumFile = companion(tarball, ReleaseFetcher.CHECKSUM_SUFFIX);
        Path signatureFile = companion(tarball, ReleaseFetcher.SIGNATURE_SUFFIX);
        try {
            String expected = ReleaseVerifier.parseChecksum(readCompanion(checksumFile), what);
            byte[] signature = ReleaseVerifier.parseSignature(readCompanion(signatureFile), what);
            String actual = ReleaseVerifier.sha256(tarball);
            ReleaseVerifier.requireChecksum(expected, actual, what, checksumFile.toString());
            ReleaseVerifier.requireSignature(tarball, version, actual, signature, key, what);
            return new SignedRelease(tarball, version, checksumFile, signatureFile, actual, Files.size(tarball));
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot verify " + tarball + ": " + e, e);
        }
    }

    private static void requireUnpackable(Path tarball) {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("opsagent-release-check-");
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot create a scratch directory: " + e, e);
        }
        try {
            new SafeUnpacker().unpack(tarball, "check", scratch);
        } catch (UpgradeException e) {
            if (e.kind() == Kind.REJECTED) {
                throw new UpgradeException(Kind.REJECTED, "not signing " + tarball + ": agents would reject it: "
                        + e.getMessage(), e);
            }
            throw e;
        } finally {
            try {
                FileOps.deleteTree(scratch);
            } catch (IOException e) {
                // A scratch directory in the temporary folder; leaving it is harmless.
            }
        }
    }

    private static byte[] signText(byte[] text, PrivateKey key) {
        try {
            Signature signer = Signature.getInstance(ReleaseKeys.ALGORITHM);
            signer.initSign(key);
            signer.update(text);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new UpgradeException(Kind.HOST, "cannot sign with the given key: " + e.getMessage(), e);
        }
    }

    private static Path companion(Path tarball, String suffix) {
        return tarball.resolveSibling(tarball.getFileName() + suffix);
    }

    private static String readCompanion(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new UpgradeException(Kind.UNAVAILABLE, file + " is missing");
        }
        if (Files.size(file) > ReleaseFetcher.MAX_COMPANION_BYTES) {
            throw new UpgradeException(Kind.REJECTED, file + " is larger than "
                    + FileOps.size(ReleaseFetcher.MAX_COMPANION_BYTES));
        }
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    /** Creates a file that must not exist, with its mode set from the start (a private key is never readable by others). */
    private static void writeNew(Path file, String content, int mode) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Set<PosixFilePermission> perms = FileOps.permissions(mode);
            boolean posix = Files.getFileStore(parent).supportsFileAttributeView("posix");
            FileAttribute<?>[] attrs = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)}
                    : new FileAttribute<?>[0];
            try (SeekableByteChannel ch = Files.newByteChannel(file,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
                ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            if (posix) {
                // The umask may have taken bits away at creation; set exactly what was asked.
                Files.setPosixFilePermissions(file, perms);
            }
        } catch (FileAlreadyExistsException e) {
            throw new UpgradeException(Kind.HOST, file + " exists; refusing to overwrite a key file", e);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot write " + file + ": " + e, e);
        }
    }
}
