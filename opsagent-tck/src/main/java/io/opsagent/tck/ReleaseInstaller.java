package io.opsagent.tck;

/**
 * Verifies and installs releases for an agent installed in one directory (see {@link
 * AgentUnderTest#releaseInstaller}): the step of an upgrade that follows the download, which R5.4
 * is about. The kit calls it from its test thread, one release at a time.
 */
public interface ReleaseInstaller {

  /**
   * Verifies {@code release} (its SHA-256 against {@link SignedRelease#sha256()}, then its
   * signature with the trusted key, then every entry of the tarball) and, only when all of it
   * holds, unpacks it and makes it the current release in one atomic step. A refused release is
   * an outcome ({@link InstallOutcome#refused}), not an exception: after it the install
   * directory must be exactly as it was before the call.
   *
   * @throws Exception only when the installer could not try (the adapter itself failed)
   */
  InstallOutcome install(SignedRelease release) throws Exception;
}
