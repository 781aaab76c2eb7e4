package io.opsagent.fsm.protocol;

import java.util.Objects;

/**
 * The agent's answer to a {@link TestRequest}: the handshake fields under wire code {@code Test}.
 *
 * @param identity the same fields a {@link Handshake} carries
 */
public record TestReply(Handshake identity) implements AgentMessage {

    public static final String CODE = "Test";

    public TestReply {
        Objects.requireNonNull(identity, "identity");
    }

    @Override
    public String code() {
        return CODE;
    }
}
