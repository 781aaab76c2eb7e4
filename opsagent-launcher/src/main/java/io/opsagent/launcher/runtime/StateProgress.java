package io.opsagent.launcher.runtime;

import io.opsagent.fsm.Cancellable;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Says that a long state is still running: once it has run {@link #FIRST}, then every
 * {@link #EVERY}, one line ("state web-conf running for 40 s"). Timed by the agent's event loop,
 * so a test advances a manual loop instead of waiting.
 */
final class StateProgress implements RoundListener {

    static final Duration FIRST = Duration.ofSeconds(10);
    static final Duration EVERY = Duration.ofSeconds(30);

    private final Consumer<String> log;
    private EventLoop loop;
    private String stateId;
    private long startedNanos;
    private Cancellable timer = Cancellable.NONE;

    StateProgress(Consumer<String> log) {
        this.log = log;
    }

    /** Times with {@code agentLoop}: the loop of the agent this listens to, set before it starts. */
    synchronized void attach(EventLoop agentLoop) {
        this.loop = agentLoop;
    }

    @Override
    public synchronized void stateStarted(long recipeVersion, int index, RecipeState state) {
        stop();
        if (loop == null) {
            return;
        }
        stateId = state.id();
        startedNanos = loop.nanoTime();
        timer = loop.schedule(FIRST, this::report);
    }

    @Override
    public synchronized void stateFinished(long recipeVersion, int index, RecipeState state, StateResult result,
            long durationNanos) {
        stop();
    }

    @Override
    public synchronized void stateChanged(RoundState from, RoundState to) {
        if (to != RoundState.EXECUTING && to != RoundState.RETRYING && to != RoundState.WAITING_FOR_DONE) {
            stop();
        }
    }

    private synchronized void report() {
        if (stateId == null) {
            return;
        }
        log.accept("state " + stateId + " running for " + elapsedSeconds() + " s");
        timer = loop.schedule(EVERY, this::report);
    }

    private long elapsedSeconds() {
        return Duration.ofNanos(loop.nanoTime() - startedNanos).toSeconds();
    }

    private void stop() {
        timer.cancel();
        timer = Cancellable.NONE;
        stateId = null;
    }
}
