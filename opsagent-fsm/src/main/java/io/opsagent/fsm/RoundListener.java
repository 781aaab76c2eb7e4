package io.opsagent.fsm;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.RefusedFrame;
import io.opsagent.fsm.spi.StateResult;
import java.util.List;

/**
 * Observes an agent's rounds. Every method is called on the agent's event loop, after the
 * machine has settled (outside any lock), so it must return quickly and must not block.
 * All methods do nothing by default.
 */
public interface RoundListener {

    /** The machine moved from {@code from} to {@code to}. */
    default void stateChanged(RoundState from, RoundState to) { }

    /** State {@code index} of recipe {@code recipeVersion} started (comments and waits included). */
    default void stateStarted(long recipeVersion, int index, RecipeState state) { }

    /** A state finished and its StateLog was sent. */
    default void stateFinished(long recipeVersion, int index, RecipeState state, StateResult result, long durationNanos) { }

    /** A round ended: {@code success} when every state succeeded, false when it ceased into backoff. */
    default void roundFinished(long recipeVersion, long round, boolean success) { }

    /**
     * A round ended before its last state because a new recipe arrived or the agent stopped
     * ({@code why} says which); the state that ran was cancelled. Every round ends in exactly
     * one of {@link #roundFinished} and this.
     */
    default void roundCutShort(long recipeVersion, long round, String why) { }

    /** The backend ordered an upgrade; it runs once no round is running. */
    default void upgradeOrdered(AgentUpdate order) { }

    /**
     * A recipe from the backend was refused as a whole before any of it ran, because of
     * {@code problems} (see {@link RecipeCheck}); the loaded recipe, if any, keeps running.
     */
    default void recipeRejected(long recipeVersion, List<RecipeCheck.Problem> problems) { }

    /**
     * A frame from the backend was refused because it broke one of the protocol's limits; it
     * changed nothing and the loaded recipe, if any, keeps running.
     */
    default void frameRefused(RefusedFrame refusal) { }

    /** An event the machine could not take in its current state was dropped (and counted). */
    default void eventRejected(RoundEvent event, RoundState state, String reason) { }

    /**
     * A Handshake was written to a new connection; on the event loop, before any frame that
     * arrives on that connection is taken.
     */
    default void handshakeSent() { }
}
