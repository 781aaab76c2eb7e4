package io.opsagent.fsm;

/** The root of the library's exceptions: all unchecked, each message says what happened. */
public class OpsAgentException extends RuntimeException {

    public OpsAgentException(String message) {
        super(message);
    }

    public OpsAgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
