package io.opsagent.tck;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A release as the kit hands it to a {@link ReleaseInstaller}: the tarball and what its two
 * companion files say, the same values also written beside it as {@code <tarball>.sha256} and
 * {@code <tarball>.sig} (SPEC.md, "Release format"). The kit makes some releases unsound on
 * purpose: a checksum that does not match the tarball, a signature by another key, an entry
 * outside the release.
 *
 * @param version the version the release is installed as (the version of the upgrade order)
 * @param tarball the gzip-compressed tar file
 * @param sha256 the tarball's SHA-256 as its checksum file states it, lower-case hex
 * @param signature the raw 64-byte Ed25519 signature as its signature file holds it
 */
public record SignedRelease(String version, Path tarball, String sha256, byte[] signature) {

  /** The suffix of the checksum file beside the tarball. */
  public static final String CHECKSUM_SUFFIX = ".sha256";
  /** The suffix of the signature file beside the tarball. */
  public static final String SIGNATURE_SUFFIX = ".sig";

  public SignedRelease {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(tarball, "tarball");
    Objects.requireNonNull(sha256, "sha256");
    signature = Objects.requireNonNull(signature, "signature").clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** {@code <tarball>.sha256}: one {@code sha256sum} line. */
  public Path checksumFile() {
    return tarball.resolveSibling(tarball.getFileName() + CHECKSUM_SUFFIX);
  }

  /** {@code <tarball>.sig}: the signature in base64 on one line. */
  public Path signatureFile() {
    return tarball.resolveSibling(tarball.getFileName() + SIGNATURE_SUFFIX);
  }

  @Override
  public String toString() {
    return "release " + version + " (" + tarball.getFileName() + ", sha256 " + sha256 + ")";
  }
}
