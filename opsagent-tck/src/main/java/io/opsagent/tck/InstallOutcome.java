package io.opsagent.tck;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ReleaseInstaller} did with one release.
 *
 * @param switched whether the release was installed and is now the current one
 * @param currentVersion the version the agent would run now, after the call; null when none
 * @param currentRelease the directory of that release, as the agent would run it; null when none
 * @param message why the release was refused, or a note on the install; never null
 */
public record InstallOutcome(
    boolean switched, String currentVersion, Path currentRelease, String message) {

  public InstallOutcome {
    Objects.requireNonNull(message, "message");
  }

  /** The release was installed and made current. */
  public static InstallOutcome installed(String version, Path releaseDir) {
    return new InstallOutcome(true, Objects.requireNonNull(version, "version"),
        Objects.requireNonNull(releaseDir, "releaseDir"), "installed");
  }

  /**
   * The release was refused for {@code reason}; {@code currentVersion} and {@code currentRelease}
   * (each null when there is none) are what the agent would still run.
   */
  public static InstallOutcome refused(String reason, String currentVersion, Path currentRelease) {
    return new InstallOutcome(false, currentVersion, currentRelease, reason);
  }

  public Optional<String> current() {
    return Optional.ofNullable(currentVersion);
  }

  @Override
  public String toString() {
    return (switched ? "switched" : "not switched") + ", current "
        + (currentVersion == null ? "none" : currentVersion + " in " + currentRelease) + ": "
        + message;
  }
}
