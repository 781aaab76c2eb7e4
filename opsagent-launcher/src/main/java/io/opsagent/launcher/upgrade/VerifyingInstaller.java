package io.opsagent.launcher.upgrade;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies a release tarball that is already on this host and installs it: the steps of an
 * upgrade after its download, on their own. Checks the tarball's SHA-256 against the one its
 * checksum file states, then the signature over version and digest with the trusted key
 * ({@link ReleaseVerifier}), unpacks it with {@link SafeUnpacker} (staging directory, entry
 * rules, rename into {@code releases/<version>}) and switches {@code current} with
 * {@link ReleaseSwitcher}. A refused release leaves the install directory as it was.
 *
 * <p>It is a class API rather than a command because that is what the agent honestly offers: the
 * daemon installs releases only as the outcome of an upgrade order, downloading from its
 * configured {@code base_remote} with its configured key, and has no command that installs a
 * given file. The out-of-process conformance adapter therefore calls this class, which runs the
 * same verifier, unpacker and switcher as {@link LauncherUpgrader}, against the install
 * directory and key the conformance kit gives (SPEC.md R5.4).
 *
 * <p>Given an {@link UpgradeState} ({@link #onProbation}), it puts each release it switches to on
 * probation as the upgrader does ({@link HandshakeGuard#switchOnProbation}): the agent started
 * from it must then send its first Handshake in time, and the cron keeper or the systemd unit
 * falls back to {@code previous} when it cannot start at all.
 */
public final class VerifyingInstaller {

    /**
     * A release installed and made current.
     *
     * @param version its version
     * @param releaseDir its directory, {@code releases/<version>}
     * @param sha256 the tarball's SHA-256 in lower-case hex
     */
    public record Installed(String version, Path releaseDir, String sha256) { }

    private final ReleaseSwitcher switcher;
    private final PublicKey trustKey;
    private final SafeUnpacker unpacker;
    private final UpgradeState probation;
    private final Clock clock;

    /** An installer with the default unpacking limits, that switches without probation. */
    public VerifyingInstaller(Path installDir, PublicKey trustKey) {
        this(installDir, trustKey, new SafeUnpacker());
    }

    public VerifyingInstaller(Path installDir, PublicKey trustKey, SafeUnpacker unpacker) {
        this(new ReleaseSwitcher(installDir), trustKey, unpacker, null, Clock.systemUTC());
    }

    private VerifyingInstaller(ReleaseSwitcher switcher, PublicKey trustKey, SafeUnpacker unpacker,
            UpgradeState probation, Clock clock) {
        this.switcher = switcher;
        this.trustKey = Objects.requireNonNull(trustKey, "trustKey");
        this.unpacker = Objects.requireNonNull(unpacker, "unpacker");
        this.probation = probation;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * This installer, but each switch is recorded in {@code state} as on probation, with the
     * release it replaced, the way {@link LauncherUpgrader} records it.
     */
    public VerifyingInstaller onProbation(UpgradeState state, Clock clock) {
        return new VerifyingInstaller(switcher, trustKey, unpacker, Objects.requireNonNull(state, "state"), clock);
    }

    /** The switcher of the install directory, to ask which release is current. */
    public ReleaseSwitcher switcher() {
        return switcher;
    }

    /**
     * Verifies {@code tarball} as release {@code version} and, when it holds, installs it and
     * makes it current.
     *
     * @param expectedSha256 the digest its checksum file states, 64 hex digits
     * @param signature the raw 64-byte Ed25519 signature its signature file holds
     * @throws UpgradeException ({@link Kind#REFUSED}) for an invalid or already current version,
     *     ({@link Kind#REJECTED}) when the checksum, the signature or the archive's content is
     *     wrong, ({@link Kind#HOST}) on a problem of this host; in each case nothing was changed
     */
    public Installed install(String version, Path tarball, String expectedSha256, byte[] signature) {
        ReleaseVersion.requireValid(version);
        Objects.requireNonNull(tarball, "tarball");
        Objects.requireNonNull(signature, "signature");
        String what = tarball.getFileName() + " " + version;
        if (switcher.currentVersion().filter(version::equals).isPresent()) {
            throw new UpgradeException(Kind.REFUSED, "refused: release " + version + " is already current");
        }
        String expected = ReleaseVerifier.parseChecksum(String.valueOf(expectedSha256), what);
        byte[] checkedSignature = ReleaseVerifier.parseSignature(
                Base64.getEncoder().encodeToString(signature), what);
        try {
            String actual = ReleaseVerifier.sha256(tarball);
            ReleaseVerifier.requireChecksum(expected, actual, what, "its checksum file");
            ReleaseVerifier.requireSignature(tarball, version, actual, checkedSignature, trustKey, what);
            Path releaseDir = unpacker.unpack(tarball, version, switcher.releasesDir());
            if (probation == null) {
                switcher.switchTo(version);
            } else {
                HandshakeGuard.switchOnProbation(probation, switcher, version, clock.instant());
            }
            return new Installed(version, releaseDir, actual);
        } catch (IOException e) {
            throw new UpgradeException(Kind.HOST, "cannot read " + tarball + ": " + e, e);
        }
    }

    /** The version {@code current} points to, if any. */
    public Optional<String> currentVersion() {
        return switcher.currentVersion();
    }
}
