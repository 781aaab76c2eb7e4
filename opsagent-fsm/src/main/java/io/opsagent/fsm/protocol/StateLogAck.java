package io.opsagent.fsm.protocol;

/**
 * Extension: the backend has stored every {@link StateLog} up to and including {@code seq}
 * (cumulative). Wire code {@code StateLogAck}. A backend that never sends it gets the original
 * behaviour: a log is done once written to the socket.
 */
public record StateLogAck(long seq) implements BackendMessage {

    public static final String CODE = "StateLogAck";

    @Override
    public String code() {
        return CODE;
    }
}
