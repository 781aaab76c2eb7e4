package io.opsagent.launcher;

import io.opsagent.launcher.config.LauncherConfig;
import io.opsagent.launcher.host.HostLayout;
import io.opsagent.launcher.host.InstanceToken;
import io.opsagent.launcher.status.StatusFile;
import java.io.PrintStream;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the launcher has prepared when it hands over to the {@link AgentRuntime}: the
 * checked configuration, a host whose directories exist with their modes, the single-instance
 * lock held, logging configured.
 *
 * @param config the configuration, with {@code apply --executor} already applied
 * @param host where the agent's files are
 * @param token the instance token: present for {@code run}, empty for {@code apply} and {@code demo}
 * @param status the status file to write on every transition
 * @param agentVersion this build's version, for the Handshake's {@code agent_version}
 * @param out where results for the user go ({@code apply}'s table or JSON, {@code demo}'s summary)
 */
public record AgentContext(
        LauncherConfig config,
        HostLayout host,
        Optional<InstanceToken> token,
        StatusFile status,
        String agentVersion,
        PrintStream out) {

    public AgentContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(agentVersion, "agentVersion");
        Objects.requireNonNull(out, "out");
    }
}
