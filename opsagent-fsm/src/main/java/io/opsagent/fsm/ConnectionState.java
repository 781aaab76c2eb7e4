package io.opsagent.fsm;

/** The states of the connection to the backend. */
public enum ConnectionState {

    /** Not started yet. */
    DISCONNECTED,

    /** Opening the WebSocket. */
    CONNECTING,

    /** Connected and handshaken: StateLogs flow to the backend. */
    ONLINE,

    /** The backend answered AppNotReady; the Handshake is sent again after a pause. */
    NOT_READY,

    /** The connection was lost or refused; the next attempt comes after a jittered, growing delay. */
    BACKING_OFF,

    /** The agent closed the connection for good. */
    CLOSED
}
