package io.opsagent.fsm.protocol;

/** A protocol message: one JSON object in one WebSocket text frame, selected by its {@code code}. */
public sealed interface Message permits AgentMessage, BackendMessage {

    /** The wire {@code code} of this message. */
    String code();
}
