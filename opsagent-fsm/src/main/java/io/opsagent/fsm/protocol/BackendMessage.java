package io.opsagent.fsm.protocol;

/** A message the backend sends to the agent. */
public sealed interface BackendMessage extends Message
        permits AppNotReady, RecipeMetadata, StateDone, WaitList, AgentUpdate, TestRequest, TestAns, StateLogAck {}
