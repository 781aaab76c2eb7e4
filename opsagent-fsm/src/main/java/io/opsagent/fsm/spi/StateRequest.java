package io.opsagent.fsm.spi;

import io.opsagent.fsm.protocol.RecipeState;
import java.time.Duration;
import java.util.Objects;

/**
 * What an executor is asked to apply.
 *
 * @param recipeVersion version of the recipe the state belongs to
 * @param state the state: id, module and parameters
 * @param dryRun when true, report what would change without changing anything
 * @param timeout how long the state may run; the round machine alone enforces it (it cancels the
 *     execution and reports the state as timed out), so an executor need not; it may use it to
 *     size its own work
 */
public record StateRequest(long recipeVersion, RecipeState state, boolean dryRun, Duration timeout) {

    public StateRequest {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(timeout, "timeout");
    }
}
