package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * Orders the agent to upgrade itself once the current round has finished. Wire code
 * {@code AgentUpdate}.
 *
 * @param version the release to install, e.g. {@code 1.2}
 * @param url where the release comes from; the original agent took it as the new WebSocket URL
 */
public record AgentUpdate(String version, String url) implements BackendMessage {

    public static final String CODE = "AgentUpdate";

    public AgentUpdate {
        Objects.requireNonNull(version, "version");
    }

    @Override
    public String code() {
        return CODE;
    }
}
