package io.opsagent.bench.wire;

import io.opsagent.tck.AgentSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * The files an agent process is started with: {@code opsagent.conf} for the backend (in the
 * launcher's INI format, see {@code docs/configuration.md}) and a root folder holding {@code
 * etc/opsagent.token}, the token file {@code opsagent run --root} reads by default.
 *
 * <p>The configuration always sets {@code [network] instance_id}, so no agent ever asks a cloud
 * metadata address for it.
 */
final class AgentFiles {

  static final String CONFIG_FILE = "opsagent.conf";
  static final String ROOT_DIR = "root";
  static final String TOKEN_FILE = "etc/opsagent.token";

  private AgentFiles() {}

  /** The configuration text for {@code settings}. */
  static String config(AgentSettings settings) {
    return "# Written by the bench command for one run against its reference backend.\n"
        + "[userdata]\n"
        + "ws_uri = " + settings.backendUrl() + "\n"
        + "app_id = " + settings.appId() + "\n"
        + "\n[network]\n"
        + "instance_id = " + settings.instanceId() + "\n"
        + "reconnect_initial = " + duration(settings.reconnectInitial()) + "\n"
        + "reconnect_max = " + duration(settings.reconnectMax()) + "\n"
        + "not_ready_retry = " + duration(settings.notReadyRetryPause()) + "\n"
        + "\n[executor]\n"
        + "kind = native\n"
        + "\n[round]\n"
        + "interval = " + duration(settings.roundInterval()) + "\n"
        + "backoff_initial = " + duration(settings.backoffInitial()) + "\n"
        + "backoff_max = " + duration(settings.backoffMax()) + "\n"
        + "state_timeout = " + duration(settings.stateTimeout()) + "\n";
  }

  /** A duration as the launcher reads it: a whole number and a unit. */
  static String duration(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }

  /**
   * Writes {@code workDir/opsagent.conf} (mode 0600) and {@code workDir/root/etc/opsagent.token}
   * (mode 0600) holding the settings' token.
   */
  static Written write(AgentSettings settings) throws IOException {
    Path workDir = settings.workDir();
    Path config = workDir.resolve(CONFIG_FILE);
    Files.writeString(config, config(settings), StandardCharsets.UTF_8);
    ownerOnly(config);
    Path root = workDir.resolve(ROOT_DIR);
    Path token = root.resolve(TOKEN_FILE);
    Files.createDirectories(token.getParent());
    Files.writeString(token, settings.instanceToken(), StandardCharsets.UTF_8);
    ownerOnly(token);
    return new Written(config, root, token);
  }

  private static void ownerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to tighten
    }
  }

  /** Where the files went. */
  record Written(Path config, Path root, Path token) {}
}
