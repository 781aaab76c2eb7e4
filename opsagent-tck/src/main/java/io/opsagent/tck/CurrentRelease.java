package io.opsagent.tck;

import java.nio.file.Path;

/**
 * The release an agent would run now (see {@link ReleaseSupervisor#current()}).
 *
 * @param version its version, as the kit installed it; null when there is none
 * @param directory its directory, as the agent would run it (a link to it is fine); null when
 *     there is none
 */
public record CurrentRelease(String version, Path directory) {

  /** No release is current. */
  public static CurrentRelease none() {
    return new CurrentRelease(null, null);
  }

  @Override
  public String toString() {
    return version == null ? "no current release" : "release " + version + " in " + directory;
  }
}
