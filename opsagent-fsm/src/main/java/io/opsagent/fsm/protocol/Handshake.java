package io.opsagent.fsm.protocol;

/**
 * Sent on every new connection (and again after {@link AppNotReady}). Wire code {@code Handshake}.
 *
 * @param instanceId the cloud instance id
 * @param appId the VisualOps app id
 * @param agentVersion the version of the running agent build
 * @param protocolVersion always {@link #PROTOCOL_VERSION}
 * @param instanceToken the secret that authenticates the instance; never logged
 * @param initErrors problems found while initialising the host, {@code "; "}-joined, or null
 */
public record Handshake(
        String instanceId,
        String appId,
        String agentVersion,
        int protocolVersion,
        String instanceToken,
        String initErrors)
        implements AgentMessage {

    public static final String CODE = "Handshake";
    public static final int PROTOCOL_VERSION = 1;

    @Override
    public String code() {
        return CODE;
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "Handshake[instanceId=" + instanceId + ", appId=" + appId + ", agentVersion=" + agentVersion
                + ", protocolVersion=" + protocolVersion + ", instanceToken=<redacted>, initErrors=" + initErrors + "]";
    }
}
