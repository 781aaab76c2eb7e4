package io.opsagent.fsm.protocol;

/** The backend is not ready for this app yet; the agent re-sends its Handshake after a pause. */
public record AppNotReady() implements BackendMessage {

    public static final String CODE = "AppNotReady";

    @Override
    public String code() {
        return CODE;
    }
}
