package io.opsagent.tck;

import java.util.Optional;

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

  /**
   * The supervisor that keeps the agent of this install directory running, through which the
   * kit verifies the rollback of a release that does not come up (R5.4), or empty when the
   * adapter offers none; that test is then skipped with a reason. Called at most once per test,
   * before any release is installed.
   */
  default Optional<ReleaseSupervisor> supervisor() throws Exception {
    return Optional.empty();
  }
}
