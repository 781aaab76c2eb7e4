package io.opsagent.fsm.protocol;

/** A message the agent sends to the backend. */
public sealed interface AgentMessage extends Message permits Handshake, StateLog, WaitQuery, TestReply {}
