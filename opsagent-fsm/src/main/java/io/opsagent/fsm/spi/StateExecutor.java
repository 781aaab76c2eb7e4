package io.opsagent.fsm.spi;

/**
 * Applies one configuration state of a recipe, asynchronously.
 *
 * <p>The round machine calls {@link #start} on its event-loop thread, so the method must return
 * promptly: the actual work runs elsewhere (a process, a worker thread). The executor reports
 * the outcome exactly once through the {@link StateCallback}, from any thread. After
 * {@link StateExecution#cancel()} the callback may still be called; the machine ignores late
 * results of a cancelled execution.
 *
 * <p>The built-in modules {@code meta.comment} and {@code meta.wait} never reach an executor:
 * the round machine handles them itself.
 */
public interface StateExecutor {

    /**
     * Starts applying {@code request.state()}.
     *
     * @return a handle that can cancel the running execution
     */
    StateExecution start(StateRequest request, StateCallback callback);

    /** Receives the single outcome of one {@link StateExecutor#start} call. */
    @FunctionalInterface
    interface StateCallback {
        void completed(StateResult result);
    }
}
