package io.opsagent.fsm.spi;

import io.opsagent.fsm.protocol.AgentUpdate;

/**
 * Carries out an upgrade the backend ordered, once no round is running. Implemented by the host
 * (the launcher): fetch, verify, unpack beside the running release, switch, restart.
 */
public interface Upgrader {

    /**
     * Starts the upgrade; returns promptly. Report the outcome exactly once through
     * {@code callback}, from any thread.
     */
    void upgrade(AgentUpdate order, UpgradeCallback callback);

    /** Receives the outcome of one upgrade. */
    interface UpgradeCallback {

        /** The new version is installed and takes over; this agent stops. */
        void finished();

        /** The upgrade was refused or failed; the running version goes on. */
        void failed(String reason);
    }
}
