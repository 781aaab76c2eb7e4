package io.opsagent.backend;

/** The {@code code} values of the wire protocol (DESIGN §4, SPEC.md "Messages"). */
public final class MessageCodes {

  /** Agent → backend: identity, first frame of every connection. */
  public static final String HANDSHAKE = "Handshake";

  /** Agent → backend: the result of one executed state. */
  public static final String STATE_LOG = "StateLog";

  /** Agent → backend: asks which wait states of a recipe version are released. */
  public static final String WAIT_QUERY = "WaitQuery";

  /** Both ways: the backend asks for the agent's identity; the agent answers with the same code. */
  public static final String TEST = "Test";

  /** Backend → agent: the application is not ready; handshake again after a pause. */
  public static final String APP_NOT_READY = "AppNotReady";

  /** Backend → agent: a recipe (or a header-only version bump). */
  public static final String RECIPE_METADATA = "RecipeMetadata";

  /** Backend → agent: the DONE of one wait state. */
  public static final String STATE = "State";

  /** Backend → agent: the wait states of a recipe version that are released. */
  public static final String WAIT_LIST = "WaitList";

  /** Backend → agent: an upgrade order. */
  public static final String AGENT_UPDATE = "AgentUpdate";

  /** Backend → agent: the verdict on a {@code Test} reply. */
  public static final String TEST_ANSWER = "TestAns";

  /** Backend → agent (extension): cumulative acknowledgement of StateLogs up to {@code seq}. */
  public static final String STATE_LOG_ACK = "StateLogAck";

  private MessageCodes() {}
}
