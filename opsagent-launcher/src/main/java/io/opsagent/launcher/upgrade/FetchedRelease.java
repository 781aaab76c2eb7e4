package io.opsagent.launcher.upgrade;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A release tarball on local disk whose checksum and signature have been verified.
 *
 * @param version the release version as ordered
 * @param tarball the downloaded file
 * @param source where it was downloaded from
 * @param sha256 its SHA-256 in lower-case hex
 * @param size its length in bytes
 */
public record FetchedRelease(String version, Path tarball, URI source, String sha256, long size) {

    public FetchedRelease {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(tarball, "tarball");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sha256, "sha256");
    }
}
