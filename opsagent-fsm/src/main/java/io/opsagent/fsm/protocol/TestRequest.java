package io.opsagent.fsm.protocol;

/** A test harness asks the agent for its identity (wire code {@code Test}); see {@link TestReply}. */
public record TestRequest() implements BackendMessage {

    public static final String CODE = "Test";

    @Override
    public String code() {
        return CODE;
    }
}
