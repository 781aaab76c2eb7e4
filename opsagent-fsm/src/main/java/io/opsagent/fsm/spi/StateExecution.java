package io.opsagent.fsm.spi;

/** A running state execution, as returned by {@link StateExecutor#start}. */
public interface StateExecution {

    /**
     * Stops the execution: the state's whole process tree (every process it started, and
     * their children) is killed. Idempotent, callable from any thread, and returns promptly:
     * it starts the kill and does not wait for the processes to be reaped.
     */
    void cancel();

    /** An execution with nothing to cancel, for executors that complete synchronously. */
    StateExecution NONE = () -> { };
}
