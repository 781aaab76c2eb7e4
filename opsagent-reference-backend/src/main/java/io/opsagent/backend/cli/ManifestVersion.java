package io.opsagent.backend.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the {@code Implementation-Version} of the jar the command runs from, or
 * {@code unknown} when run from classes (a build's tests).
 */
public final class ManifestVersion implements IVersionProvider {

  @Override
  public String[] getVersion() {
    String version = ManifestVersion.class.getPackage().getImplementationVersion();
    return new String[] {"version " + (version == null ? "unknown" : version),
        "Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home")
            + ")"};
  }
}
