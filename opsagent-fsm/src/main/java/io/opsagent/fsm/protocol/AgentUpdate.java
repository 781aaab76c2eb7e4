package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * Orders the agent to upgrade itself once the current round has finished. Wire code
 * {@code AgentUpdate}.
 *
 * @param version the release to install, e.g. {@code 1.2}; required
 * @param url optional, null when absent. Not a download link, whatever the original protocol
 *     document suggests: the original agent passed it to its update script as the backend
 *     WebSocket URI to write into the regenerated configuration
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
