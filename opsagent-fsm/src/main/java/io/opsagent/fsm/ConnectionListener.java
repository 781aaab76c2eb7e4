package io.opsagent.fsm;

/**
 * Hears the agent's connection to the backend change state (see {@link ConnectionState}).
 * Called on the agent's event loop: return quickly, never block.
 */
@FunctionalInterface
public interface ConnectionListener {

    /** The connection went from {@code from} to {@code to} (never equal). */
    void connectionChanged(ConnectionState from, ConnectionState to);
}
