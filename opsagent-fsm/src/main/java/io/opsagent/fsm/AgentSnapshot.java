package io.opsagent.fsm;

/**
 * A consistent view of an agent at one moment, safe to read from any thread.
 *
 * @param state the round machine's state
 * @param recipeVersion the loaded recipe's version, 0 when none is loaded
 * @param stateCount how many states the loaded recipe has
 * @param stateIndex the position of the current (or next) state in the recipe
 * @param currentStateId the id of the current state, or null when none runs
 * @param currentStateModule the module of the current state, or null when none runs
 * @param attempt 1 in the first attempt of a round, 2 in the retry attempt
 * @param round how many rounds have started since the agent started
 * @param consecutiveFailedRounds rounds ceased into backoff since the last successful round
 * @param pendingUpgrade the version of an ordered upgrade not yet carried out, or null
 * @param rejectedEvents events the machine dropped because they did not apply in its state
 * @param lateResults executor results that arrived after their state was cancelled or superseded
 * @param staleTimeouts state timeouts that fell due after their state had ended (a race with its result)
 * @param staleTimers round timers (interval, backoff) that fell due after they were called off
 * @param staleReleases releases of wait states ({@code State}) for a recipe version other than the loaded one
 * @param unknownWaitReleases releases of an id that is no wait state of the loaded recipe (remembered all the same)
 * @param repeatedRecipes pushes of the recipe version already loaded (a reconnect's re-push), ignored
 * @param actionFailures actions of the round machine that threw (each logged at ERROR; the event then counts as rejected)
 */
public record AgentSnapshot(
        RoundState state,
        long recipeVersion,
        int stateCount,
        int stateIndex,
        String currentStateId,
        String currentStateModule,
        int attempt,
        long round,
        int consecutiveFailedRounds,
        String pendingUpgrade,
        long rejectedEvents,
        long lateResults,
        long staleTimeouts,
        long staleTimers,
        long staleReleases,
        long unknownWaitReleases,
        long repeatedRecipes,
        long actionFailures) {

    /** The snapshot of an agent that has not started. */
    public static final AgentSnapshot INITIAL =
            new AgentSnapshot(RoundState.IDLE, 0, 0, 0, null, null, 1, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, 0);
}
