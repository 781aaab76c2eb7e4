package io.opsagent.launcher.host;

import io.opsagent.launcher.config.ConfigLoader;
import io.opsagent.launcher.config.LauncherConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the agent keeps its files on a host. Every default lives under {@link #root()}, which
 * is {@code /} on a real host and a folder in tests ({@code --root DIR}).
 *
 * <pre>
 * /opt/visualops            installDir   releases/&lt;version&gt;/, current -&gt; releases/&lt;version&gt;
 * /var/lib/visualops        stateDir     0700: status.json, opsagent.lock, persisted recipe, outbox
 * /var/log/visualops        logDir       0750: agent.log and its rolled files agent.log.1 ... .5
 * /etc/opsagent.conf        configFile
 * /etc/opsagent.token       tokenFile    0600
 * </pre>
 *
 * @param root the root prefix, absolute
 * @param installDir releases and the {@code current} link
 * @param stateDir generated files; only the agent reads them
 * @param logDir the log directory ({@code [global] log_path})
 * @param logFile the agent's log file ({@code [global] logfile})
 * @param configFile the configuration file the agent was started with
 * @param tokenFile the instance token ({@code [global] token})
 */
public record HostLayout(
        Path root, Path installDir, Path stateDir, Path logDir, Path logFile, Path configFile, Path tokenFile) {

    public static final String INSTALL_DIR = "/opt/visualops";
    public static final String STATE_DIR = "/var/lib/visualops";
    public static final String LOG_DIR = "/var/log/visualops";
    public static final String CONFIG_FILE = "/etc/opsagent.conf";
    public static final String TOKEN_FILE = "/etc/opsagent.token";

    public HostLayout {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(installDir, "installDir");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(logDir, "logDir");
        Objects.requireNonNull(logFile, "logFile");
        Objects.requireNonNull(configFile, "configFile");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }

    /** The default layout under {@code root}. */
    public static HostLayout defaults(Path root) {
        Path r = root.toAbsolutePath().normalize();
        return new HostLayout(
                r,
                ConfigLoader.underRoot(r, INSTALL_DIR),
                ConfigLoader.underRoot(r, STATE_DIR),
                ConfigLoader.underRoot(r, LOG_DIR),
                ConfigLoader.underRoot(r, LOG_DIR + "/agent.log"),
                ConfigLoader.underRoot(r, CONFIG_FILE),
                ConfigLoader.underRoot(r, TOKEN_FILE));
    }

    /** The layout under {@code root} with the paths {@code config} sets (log directory, log file, token file). */
    public static HostLayout of(Path root, LauncherConfig config) {
        HostLayout d = defaults(root);
        return new HostLayout(
                d.root(),
                d.installDir(),
                d.stateDir(),
                config.global().logDir(),
                config.global().logFile(),
                config.source().orElse(d.configFile()),
                config.global().tokenFile());
    }

    /** The single-instance lock; it holds the pid of the agent that owns it. */
    public Path lockFile() {
        return stateDir.resolve("opsagent.lock");
    }

    /** The status document the running agent keeps up to date (see docs/status.md). */
    public Path statusFile() {
        return stateDir.resolve("status.json");
    }

    /** Installed releases, one directory per version. */
    public Path releasesDir() {
        return installDir.resolve("releases");
    }

    /** The link to the release in use. */
    public Path currentRelease() {
        return installDir.resolve("current");
    }
}
