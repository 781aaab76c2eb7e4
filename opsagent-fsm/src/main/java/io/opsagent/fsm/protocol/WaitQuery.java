package io.opsagent.fsm.protocol;

/**
 * Asks which wait states of the current recipe are already released; the backend answers with
 * {@link WaitList}. Wire code {@code WaitQuery}.
 */
public record WaitQuery(String instanceId, String appId, long recipeVersion) implements AgentMessage {

    public static final String CODE = "WaitQuery";

    @Override
    public String code() {
        return CODE;
    }
}
