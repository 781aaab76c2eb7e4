package io.opsagent.launcher.upgrade;

import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Objects;

/**
 * The upgrade's configuration, checked once when built. Config keys (see docs/upgrade.md):
 * {@code [userdata] base_remote}, {@code [upgrade] public_key} / {@code public_key_file},
 * {@code handshake_deadline}, {@code max_failures}, {@code max_download_mib},
 * {@code max_release_mib}, {@code max_release_entries}, {@code connect_timeout},
 * {@code download_timeout}.
 *
 * @param installDir {@code /opt/visualops} under the root prefix: {@code releases/}, {@code current}, {@code previous}
 * @param stateDir {@code /var/lib/visualops} under the root prefix: {@code upgrade.json}
 * @param baseRemote where releases are published, or null (then only orders with a tarball url work)
 * @param publicKey the key releases must be signed with, or null (then every upgrade is refused)
 * @param handshakeDeadline how long a new release has, from its first start, to send its first Handshake
 * @param maxFailures failed upgrades after which a version is bad
 * @param maxDownloadBytes the largest tarball downloaded
 * @param maxReleaseBytes the most file content a release may unpack to
 * @param maxReleaseEntries the most entries a release archive may have
 * @param connectTimeout the deadline of each TCP/TLS connection
 * @param downloadTimeout the deadline of each download, from request to last byte
 */
public record UpgradeSettings(
        Path installDir,
        Path stateDir,
        URI baseRemote,
        PublicKey publicKey,
        Duration handshakeDeadline,
        int maxFailures,
        long maxDownloadBytes,
        long maxReleaseBytes,
        int maxReleaseEntries,
        Duration connectTimeout,
        Duration downloadTimeout) {

    public static final Duration DEFAULT_HANDSHAKE_DEADLINE = Duration.ofSeconds(120);
    public static final int DEFAULT_MAX_FAILURES = 3;
    public static final long DEFAULT_MAX_DOWNLOAD_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_RELEASE_BYTES = SafeUnpacker.DEFAULT_MAX_BYTES;
    public static final int DEFAULT_MAX_RELEASE_ENTRIES = SafeUnpacker.DEFAULT_MAX_ENTRIES;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DOWNLOAD_TIMEOUT = Duration.ofMinutes(5);

    public UpgradeSettings {
        Objects.requireNonNull(installDir, "installDir");
        Objects.requireNonNull(stateDir, "stateDir");
        if (baseRemote != null) {
            String scheme = baseRemote.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                throw new IllegalArgumentException("base_remote must be an http or https URL, was " + baseRemote);
            }
        }
        if (publicKey != null && !isEd25519(publicKey)) {
            throw new IllegalArgumentException("the upgrade public key must be an Ed25519 key, was "
                    + publicKey.getAlgorithm());
        }
        positive(handshakeDeadline, "handshakeDeadline");
        positive(connectTimeout, "connectTimeout");
        positive(downloadTimeout, "downloadTimeout");
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be >= 1, was " + maxFailures);
        }
        if (maxDownloadBytes <= 0 || maxReleaseBytes <= 0 || maxReleaseEntries <= 0) {
            throw new IllegalArgumentException("size and entry limits must be > 0, were " + maxDownloadBytes + ", "
                    + maxReleaseBytes + ", " + maxReleaseEntries);
        }
    }

    /** Settings with every default, for the given directories; set the rest on the builder. */
    public static Builder builder(Path installDir, Path stateDir) {
        return new Builder(installDir, stateDir);
    }

    /** The upgrade state file, {@code /var/lib/visualops/upgrade.json}. */
    public Path stateFile() {
        return stateDir.resolve(UpgradeState.FILE_NAME);
    }

    private static boolean isEd25519(PublicKey key) {
        String alg = key.getAlgorithm();
        return alg.equals("Ed25519") || alg.equals("EdDSA");
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
    }

    /** Builds {@link UpgradeSettings}; every value not set keeps its default. */
    public static final class Builder {
        private final Path installDir;
        private final Path stateDir;
        private URI baseRemote;
        private PublicKey publicKey;
        private Duration handshakeDeadline = DEFAULT_HANDSHAKE_DEADLINE;
        private int maxFailures = DEFAULT_MAX_FAILURES;
        private long maxDownloadBytes = DEFAULT_MAX_DOWNLOAD_BYTES;
        private long maxReleaseBytes = DEFAULT_MAX_RELEASE_BYTES;
        private int maxReleaseEntries = DEFAULT_MAX_RELEASE_ENTRIES;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration downloadTimeout = DEFAULT_DOWNLOAD_TIMEOUT;

        private Builder(Path installDir, Path stateDir) {
            this.installDir = installDir;
            this.stateDir = stateDir;
        }

        public Builder baseRemote(URI value) {
            baseRemote = value;
            return this;
        }

        public Builder publicKey(PublicKey value) {
            publicKey = value;
            return this;
        }

        public Builder handshakeDeadline(Duration value) {
            handshakeDeadline = value;
            return this;
        }

        public Builder maxFailures(int value) {
            maxFailures = value;
            return this;
        }

        public Builder maxDownloadBytes(long value) {
            maxDownloadBytes = value;
            return this;
        }

        public Builder maxReleaseBytes(long value) {
            maxReleaseBytes = value;
            return this;
        }

        public Builder maxReleaseEntries(int value) {
            maxReleaseEntries = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            connectTimeout = value;
            return this;
        }

        public Builder downloadTimeout(Duration value) {
            downloadTimeout = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first value out of range */
        public UpgradeSettings build() {
            return new UpgradeSettings(installDir, stateDir, baseRemote, publicKey, handshakeDeadline, maxFailures,
                    maxDownloadBytes, maxReleaseBytes, maxReleaseEntries, connectTimeout, downloadTimeout);
        }
    }
}
