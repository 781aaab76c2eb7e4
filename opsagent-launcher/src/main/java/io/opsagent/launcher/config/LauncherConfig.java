package io.opsagent.launcher.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent's configuration: {@code /etc/opsagent.conf} with environment overrides applied,
 * every value parsed and checked. Immutable. Host paths whose default was used are already
 * placed under {@code --root}. Nothing here is secret: the token file's path is, its content is
 * not.
 *
 * @param source the file the configuration was read from; empty for built-in defaults
 * @param userdata the {@code [userdata]} section, written by the bootstrap
 * @param global the used keys of {@code [global]}
 * @param round {@code [round]}: timing of rounds
 * @param network {@code [network]}: the connection to the backend
 * @param executor {@code [executor] kind}
 * @param salt {@code [salt]}: how Salt is called
 * @param upgrade {@code [upgrade]}: how ordered releases are verified
 */
public record LauncherConfig(
        Optional<Path> source,
        UserData userdata,
        GlobalSettings global,
        RoundSettings round,
        NetworkSettings network,
        ExecutorKind executor,
        SaltSettings salt,
        UpgradeSettings upgrade) {

    public LauncherConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(userdata, "userdata");
        Objects.requireNonNull(global, "global");
        Objects.requireNonNull(round, "round");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(upgrade, "upgrade");
    }

    /** The same configuration with another executor (for {@code apply --executor}). */
    public LauncherConfig withExecutor(ExecutorKind kind) {
        return new LauncherConfig(source, userdata, global, round, network, kind, salt, upgrade);
    }

    /** How the configuration is named in messages: its file, or "built-in defaults". */
    public String sourceName() {
        return source.map(Path::toString).orElse("built-in defaults");
    }

    /**
     * {@code [userdata]}: what the instance's userdata told the bootstrap.
     *
     * @param wsUri the backend's WebSocket URI ({@code ws://} or {@code wss://}); required by {@code run}
     * @param appId the app id sent in the Handshake; required by {@code run}
     * @param version the release this host was installed as; the Handshake reports the build's
     *     own version, not this one
     * @param baseRemote the root of the release downloads, {@code <base_remote>/<version>/opsagent.tgz}
     * @param gpgKeyUri where the release signing key is published
     */
    public record UserData(
            Optional<URI> wsUri,
            Optional<String> appId,
            Optional<String> version,
            Optional<URI> baseRemote,
            Optional<URI> gpgKeyUri) {}

    /**
     * The used keys of {@code [global]}.
     *
     * @param tokenFile the instance token file ({@code token}); its content is never logged
     * @param logLevel {@code loglvl}
     * @param logDir the log directory ({@code log_path})
     * @param logFile the agent's log file ({@code logfile}, else {@code agent.log} in a set {@code log_path});
     *     rolled over at 10 MiB, 5 kept
     */
    public record GlobalSettings(Path tokenFile, LogLevel logLevel, Path logDir, Path logFile) {}

    /**
     * {@code [round]}: rounds and their failure backoff.
     *
     * @param interval the pause after a successful round ({@code interval}, else {@code [salt] delay} minutes)
     * @param backoffInitial the first pause after a round ceased ({@code backoff_initial})
     * @param backoffMax the longest pause after a round ceased ({@code backoff_max}), never shorter than the first
     * @param stateTimeout how long one state may run before its process tree is killed ({@code state_timeout})
     */
    public record RoundSettings(Duration interval, Duration backoffInitial, Duration backoffMax, Duration stateTimeout) {}

    /**
     * {@code [network]}: the connection to the backend.
     *
     * @param instanceId the instance id, or an {@code http(s)://} URL that answers it (the default
     *     is the AWS metadata URL); see {@link #instanceIdIsUrl()}
     * @param reconnectInitial the first pause before reconnecting ({@code reconnect_initial})
     * @param reconnectMax the longest pause before reconnecting ({@code reconnect_max})
     * @param pingInterval the WebSocket ping interval; zero turns pings off ({@code ping_interval})
     * @param notReadyRetry the pause before re-sending the Handshake after {@code AppNotReady}
     * @param caFile a PEM file of the CA certificates trusted instead of the system's ({@code ca_file})
     * @param clientCert a PEM file with the client certificate for mutual TLS ({@code client_cert})
     * @param clientKey the PEM PKCS#8 file with that certificate's key ({@code client_key})
     */
    public record NetworkSettings(
            String instanceId,
            Duration reconnectInitial,
            Duration reconnectMax,
            Duration pingInterval,
            Duration notReadyRetry,
            Optional<Path> caFile,
            Optional<Path> clientCert,
            Optional<Path> clientKey) {

        /** True when {@link #instanceId()} is a URL to fetch the id from rather than the id itself. */
        public boolean instanceIdIsUrl() {
            return instanceId.startsWith("http://") || instanceId.startsWith("https://");
        }
    }

    /**
     * {@code [salt]}: how the Salt executor calls Salt.
     *
     * @param saltCall the {@code salt-call} command: a name looked up on PATH, or an absolute path
     * @param worker whether states run through the resident Salt worker ({@code worker})
     * @param python the worker's interpreter ({@code python}); empty for salt-call's own
     * @param workerMaxStates states after which the worker is replaced ({@code worker_max_states})
     * @param workerMaxRssMb resident memory (MiB) above which the worker is replaced ({@code worker_max_rss_mb})
     */
    public record SaltSettings(String saltCall, boolean worker, Optional<Path> python, int workerMaxStates,
            int workerMaxRssMb) {}

    /**
     * {@code [upgrade]}: how releases ordered by {@code AgentUpdate} are verified and taken.
     *
     * @param publicKey the release-signing public key, base64 of its X.509 encoding ({@code public_key})
     * @param publicKeyFile a PEM file holding that key instead ({@code public_key_file})
     * @param handshakeDeadline how long a new release has, from its first start, to handshake
     * @param maxFailures failures after which a version is refused for good
     */
    public record UpgradeSettings(Optional<String> publicKey, Optional<Path> publicKeyFile, Duration handshakeDeadline,
            int maxFailures) {

        /** Whether upgrades can be verified at all: without a key every upgrade is refused. */
        public boolean enabled() {
            return publicKey.isPresent() || publicKeyFile.isPresent();
        }
    }
}
