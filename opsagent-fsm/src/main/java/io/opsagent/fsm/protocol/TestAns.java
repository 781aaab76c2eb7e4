package io.opsagent.fsm.protocol;

/**
 * A test harness's verdict on the agent's {@link TestReply}. Wire code {@code TestAns}.
 *
 * @param result whether the reply was correct, or null when not given
 * @param error the harness's error text, or null
 */
public record TestAns(Boolean result, String error) implements BackendMessage {

    public static final String CODE = "TestAns";

    @Override
    public String code() {
        return CODE;
    }
}
