package io.opsagent.fsm.spi;

import io.opsagent.fsm.protocol.RecipeState;
import java.util.List;

/**
 * Applies one configuration state of a recipe, asynchronously.
 *
 * <p>The round machine calls {@link #start} on its event-loop thread, so the method must return
 * promptly: the actual work runs elsewhere (a process, a worker thread). The executor reports
 * the outcome exactly once through the {@link StateCallback}, from any thread. After
 * {@link StateExecution#cancel()} an executor should still report, once the state's processes
 * are gone (a failure saying it was cancelled): the machine ignores that result, but
 * {@code OpsAgent.stop(Duration)} waits for it, so a stopped agent leaves nothing running. The
 * built-in executors do.
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

    /**
     * What is wrong with {@code state} whatever the host: a module this executor does not
     * apply, a missing or mistyped parameter. The agent checks every state of a recipe with it
     * before it applies any, and refuses the whole recipe when one has a problem. Changes
     * nothing; the default finds no problem.
     *
     * @return one message per problem, each naming the module and parameter; empty when none
     */
    default List<String> check(RecipeState state) {
        return List.of();
    }

    /** Receives the single outcome of one {@link StateExecutor#start} call. */
    @FunctionalInterface
    interface StateCallback {
        void completed(StateResult result);
    }
}
