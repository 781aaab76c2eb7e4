package io.opsagent.fsm.internal.store;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import java.util.Set;

/**
 * What the agent needs to resume after a restart: the loaded recipe and where the round was.
 *
 * @param recipe the loaded recipe, with its states
 * @param index the position of the state that was running or next
 * @param attempt 1 in the first attempt of a round, 2 in the retry attempt
 * @param inRound whether a round was running (false: idle or in backoff; resume at state 0)
 * @param released the wait states released for this recipe version
 * @param consecutiveFailedRounds rounds ceased into backoff since the last successful round
 * @param pendingUpgrade an upgrade ordered and not yet carried out, or null
 */
public record PersistedRound(
        RecipeMetadata recipe,
        int index,
        int attempt,
        boolean inRound,
        Set<String> released,
        int consecutiveFailedRounds,
        AgentUpdate pendingUpgrade) {

    public PersistedRound {
        released = Set.copyOf(released);
    }
}
