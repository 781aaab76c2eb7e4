package io.opsagent.fsm;

import java.util.Objects;

/**
 * Who the agent is to the backend: the values of its Handshake and of every StateLog.
 *
 * @param instanceId the cloud instance id
 * @param appId the VisualOps app id
 * @param agentVersion the version of the running agent build
 * @param instanceToken the secret that authenticates the instance; never logged or shown
 */
public record AgentIdentity(String instanceId, String appId, String agentVersion, String instanceToken) {

    public AgentIdentity {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(agentVersion, "agentVersion");
        Objects.requireNonNull(instanceToken, "instanceToken");
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "AgentIdentity[instanceId=" + instanceId + ", appId=" + appId + ", agentVersion=" + agentVersion
                + ", instanceToken=<redacted>]";
    }
}
