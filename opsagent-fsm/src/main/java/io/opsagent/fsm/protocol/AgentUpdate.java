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
 * @param downgrade whether the backend means to install a release older than the running one;
 *     optional member {@code "downgrade": true} on the wire, false when absent (the original
 *     backend never sends it, so an older version it orders is refused)
 */
public record AgentUpdate(String version, String url, boolean downgrade) implements BackendMessage {

    public static final String CODE = "AgentUpdate";

    public AgentUpdate {
        Objects.requireNonNull(version, "version");
    }

    /** An order that is not a downgrade. */
    public AgentUpdate(String version, String url) {
        this(version, url, false);
    }

    @Override
    public String code() {
        return CODE;
    }
}
