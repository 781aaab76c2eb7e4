package io.opsagent.fsm.spi;

import io.opsagent.fsm.protocol.AgentMessage;

/**
 * Where the agent's outgoing messages (StateLogs, WaitQueries) go: the backend connection's
 * outbox, or a collector in tests. Called on the agent's event loop, so it must not block.
 */
@FunctionalInterface
public interface MessageSink {

    void send(AgentMessage message);
}
