package io.opsagent.fsm.internal;

import io.opsagent.fsm.RecipeCheck;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.RefusedFrame;
import io.opsagent.fsm.spi.StateResult;
import java.util.List;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Calls several listeners in order; one that throws is logged and does not stop the others. */
public final class CompositeRoundListener implements RoundListener {

    private static final Logger LOG = LogManager.getLogger(CompositeRoundListener.class);

    private final List<RoundListener> listeners;

    public CompositeRoundListener(List<RoundListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    private void each(Consumer<RoundListener> call) {
        for (RoundListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.error("round listener {} failed", l, e);
            }
        }
    }

    @Override
    public void stateChanged(RoundState from, RoundState to) {
        each(l -> l.stateChanged(from, to));
    }

    @Override
    public void stateStarted(long recipeVersion, int index, RecipeState state) {
        each(l -> l.stateStarted(recipeVersion, index, state));
    }

    @Override
    public void stateFinished(long recipeVersion, int index, RecipeState state, StateResult result, long durationNanos) {
        each(l -> l.stateFinished(recipeVersion, index, state, result, durationNanos));
    }

    @Override
    public void roundFinished(long recipeVersion, long round, boolean success) {
        each(l -> l.roundFinished(recipeVersion, round, success));
    }

    @Override
    public void roundCutShort(long recipeVersion, long round, String why) {
        each(l -> l.roundCutShort(recipeVersion, round, why));
    }

    @Override
    public void upgradeOrdered(AgentUpdate order) {
        each(l -> l.upgradeOrdered(order));
    }

    @Override
    public void recipeRejected(long recipeVersion, List<RecipeCheck.Problem> problems) {
        each(l -> l.recipeRejected(recipeVersion, problems));
    }

    @Override
    public void frameRefused(RefusedFrame refusal) {
        each(l -> l.frameRefused(refusal));
    }

    @Override
    public void eventRejected(RoundEvent event, RoundState state, String reason) {
        each(l -> l.eventRejected(event, state, reason));
    }

    @Override
    public void handshakeSent() {
        each(RoundListener::handshakeSent);
    }
}
