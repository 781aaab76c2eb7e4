package io.opsagent.fsm.internal;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.AgentSnapshot;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.internal.RoundInput.RecipeArrived;
import io.opsagent.fsm.internal.RoundInput.StateCompleted;
import io.opsagent.fsm.internal.RoundInput.StateTimedOut;
import io.opsagent.fsm.internal.RoundInput.TimerFired;
import io.opsagent.fsm.internal.RoundInput.WaitReleased;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.internal.store.PersistedRound;
import io.opsagent.fsm.internal.store.RoundStore;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.spi.MessageSink;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.Upgrader;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.statemachine.StateMachine;
import org.springframework.statemachine.StateMachineEventResult;
import org.springframework.statemachine.listener.StateMachineListenerAdapter;
import org.springframework.statemachine.state.State;
import org.springframework.statemachine.transition.Transition;
import reactor.core.publisher.Mono;

/**
 * One agent's round machine: the single entry point ({@link #dispatch}) through which every input
 * reaches the Spring state machine, on the agent's event loop.
 *
 * <p>Before an event reaches the machine, inputs that belong to superseded work (a late executor
 * result, a timeout or timer that was called off, a release for another recipe version) are
 * dropped, logged at DEBUG and counted. After it, the machine is checked for having taken the
 * event: an event no transition applied to is logged at DEBUG and counted as rejected. Listeners
 * are told what happened once the machine has settled.
 */
public final class RoundMachine {

    private static final Logger LOG = LogManager.getLogger(RoundMachine.class);

    private final EventLoop loop;
    private final RoundContext context;
    private final StateRunner runner;
    private final StateMachine<RoundState, RoundEvent> machine;
    private final RoundListener listener;
    private final List<RoundState[]> changes = new ArrayList<>();
    private boolean transitioned;
    private boolean dispatching;
    private long rejectedEvents;
    private long staleReleases;
    private volatile AgentSnapshot snapshot = AgentSnapshot.INITIAL;
    private final RoundStore store;

    public RoundMachine(EventLoop loop, StateExecutor executor, MessageSink sink, AgentIdentity identity,
            RoundSettings settings, RandomGenerator random, Upgrader upgrader, RoundListener listener) {
        this(loop, executor, sink, identity, settings, random, upgrader, listener, null);
    }

    /** A machine that keeps its recipe and position in {@code store} (or null) across restarts. */
    public RoundMachine(EventLoop loop, StateExecutor executor, MessageSink sink, AgentIdentity identity,
            RoundSettings settings, RandomGenerator random, Upgrader upgrader, RoundListener listener,
            RoundStore store) {
        this.store = store;
        this.loop = loop;
        this.listener = listener;
        this.runner = new StateRunner(loop, executor, this::post);
        this.context = new RoundContext(runner, sink, identity, settings, random, upgrader, listener, this::post);
        this.machine = RoundMachineFactory.create(context);
        this.machine.addStateListener(new StateMachineListenerAdapter<>() {
            @Override
            public void stateChanged(State<RoundState, RoundEvent> from, State<RoundState, RoundEvent> to) {
                // A step of a round goes through the choice back to the state it left: not a change.
                if (from != null && to != null && from.getId() != to.getId()) {
                    changes.add(new RoundState[] {from.getId(), to.getId()});
                }
            }

            @Override
            public void transition(Transition<RoundState, RoundEvent> transition) {
                if (transition.getTrigger() != null) {
                    transitioned = true;
                }
            }
        });
    }

    /** Starts the machine in {@link RoundState#IDLE}; call on the event loop. */
    public void start() {
        start(null);
    }

    /**
     * Starts the machine; {@code resumeNote} (or null) goes first in the comment of the StateLog of
     * the state that was running before the restart, when a round resumes.
     */
    public void start(String resumeNote) {
        start(resumeNote, null);
    }

    /**
     * Starts the machine; {@code resumeNote} (or null) goes first in the comment of the next
     * StateLog of state {@code noteStateId}, whenever it runs again (the round resumed from the
     * store, or the backend's next push). Without a state id, as {@link #start(String)}.
     */
    public void start(String resumeNote, String noteStateId) {
        machine.startReactively().block();
        if (resumeNote != null && noteStateId != null) {
            context.noteOnNextResultOf(noteStateId, resumeNote);
        }
        if (store != null) {
            store.load().ifPresent(saved -> {
                context.restore(saved);
                if (saved.inRound() && resumeNote != null && noteStateId == null) {
                    context.noteOnNextResult(resumeNote);
                }
                if (context.hasStates()) {
                    dispatch(new RoundInput.Resume());
                }
            });
        }
        publish();
    }

    /**
     * Reports an upgrade that failed in an earlier run of the agent (a rollback), as a failed
     * upgrade of this run is reported; call on the event loop, after {@link #start()}.
     */
    public void reportUpgradeFailure(String version, String reason) {
        context.reportUpgradeFailure(version, reason);
    }

    /** Posts {@code input} to the event loop, where it is dispatched; callable from any thread. */
    void post(RoundInput input) {
        loop.execute(() -> dispatch(input));
    }

    /** A recipe from the backend; one of the loaded version changes nothing. Any thread. */
    public void recipeReceived(RecipeMetadata recipe) {
        loop.execute(() -> takeRecipe(recipe));
    }

    /** A wait release from the backend; one for another recipe version is dropped. Any thread. */
    public void doneReceived(StateDone done) {
        loop.execute(() -> takeDone(done));
    }

    /**
     * Whether a loop task may hand a message over with {@link #takeRecipe} or {@link #takeDone}
     * now: on the loop, and not from within a dispatch (a listener), which would re-enter it.
     */
    public boolean canTakeNow() {
        return loop.inLoop() && !dispatching;
    }

    /** {@link #recipeReceived}, within the calling loop task; see {@link #canTakeNow}. */
    public void takeRecipe(RecipeMetadata recipe) {
        dispatch(new RecipeArrived(recipe));
    }

    /** {@link #doneReceived}, within the calling loop task; see {@link #canTakeNow}. */
    public void takeDone(StateDone done) {
        if (done.recipeVersion() != context.recipeVersion()) {
            staleReleases++;
            LOG.debug("release of wait state {} for recipe version {} dropped: the loaded version is {}",
                    done.id(), done.recipeVersion(), context.recipeVersion());
            publish();
            return;
        }
        dispatch(new WaitReleased(done));
    }

    /** An upgrade order from the backend. Any thread. */
    public void upgradeOrdered(AgentUpdate order) {
        post(new RoundInput.UpgradeOrdered(order));
    }

    /** Stops the machine: the running state is cancelled. Idempotent; any thread. */
    public void stop() {
        loop.execute(() -> {
            if (state() != RoundState.STOPPED) {
                dispatch(new RoundInput.Stop());
            }
        });
    }

    /**
     * Runs {@code action} once every state handed to the executor has reported, a cancelled one
     * included: at once, or on the executor's thread.
     */
    public void whenNoStateRuns(Runnable action) {
        runner.whenNoStateRuns(action);
    }

    public AgentSnapshot snapshot() {
        return snapshot;
    }

    /** The loop time the next round or retry is due at, 0 when none is scheduled; safe from any thread. */
    public long timerDueNanos() {
        return runner.timerDueNanos();
    }

    /** The machine's current state; call on the event loop. */
    public RoundState state() {
        return machine.getState() == null ? null : machine.getState().getId();
    }

    /** The built Spring machine, for the statechart test. */
    StateMachine<RoundState, RoundEvent> springMachine() {
        return machine;
    }

    private void dispatch(RoundInput input) {
        if (!admit(input)) {
            publish();
            return;
        }
        dispatching = true;
        try {
            dispatchAdmitted(input);
        } finally {
            dispatching = false;
        }
    }

    private void dispatchAdmitted(RoundInput input) {
        RoundState before = state();
        RoundEvent event = input.event();
        transitioned = false;
        StateMachineEventResult<RoundState, RoundEvent> result = machine.sendEvent(Mono.just(
                MessageBuilder.withPayload(event).setHeader(RoundMachineFactory.INPUT, input).build())).blockLast();
        boolean accepted = result != null
                && result.getResultType() == StateMachineEventResult.ResultType.ACCEPTED
                && transitioned;
        if (!accepted) {
            rejectedEvents++;
            String reason = "no transition for " + event + " in " + before;
            LOG.debug("event rejected: {} (input: {})", reason, describe(input));
            listener.eventRejected(event, before, reason);
        }
        List<RoundState[]> settled = new ArrayList<>(changes);
        changes.clear();
        persist();
        publish();
        for (RoundState[] change : settled) {
            listener.stateChanged(change[0], change[1]);
        }
    }

    /** Drops inputs of superseded work before they reach the machine; each kind is counted. */
    private boolean admit(RoundInput input) {
        boolean current = true;
        if (input instanceof StateCompleted completed) {
            current = runner.acceptResult(completed.token());
        } else if (input instanceof StateTimedOut timedOut) {
            current = runner.acceptTimeout(timedOut.token());
        } else if (input instanceof TimerFired fired) {
            current = runner.acceptTimer(fired.token());
        }
        if (!current) {
            LOG.debug("stale input dropped: {}", input);
        }
        return current;
    }

    private void persist() {
        if (store == null || !context.dirty) {
            return;
        }
        context.dirty = false;
        RoundState state = state();
        boolean inRound = state == RoundState.EXECUTING || state == RoundState.RETRYING
                || state == RoundState.WAITING_FOR_DONE;
        PersistedRound round = context.persisted(inRound);
        if (round != null) {
            store.save(round);
        }
    }

    private void publish() {
        RoundState state = state();
        snapshot = new AgentSnapshot(
                state == null ? RoundState.IDLE : state,
                context.recipeVersion(),
                context.states().size(),
                context.index(),
                context.currentStateId(),
                context.currentStateModule(),
                context.attempt(),
                context.round(),
                context.consecutiveFailedRounds(),
                context.pendingUpgrade() == null ? null : context.pendingUpgrade().version(),
                rejectedEvents,
                runner.staleResults,
                runner.staleTimeouts,
                runner.staleTimers,
                staleReleases,
                context.unknownWaitReleases,
                context.repeatedRecipes,
                context.actionFailures);
    }

    private static String describe(RoundInput input) {
        if (input instanceof RecipeArrived r) {
            return "recipe version " + r.recipe().recipeVersion();
        }
        return String.valueOf(input);
    }
}
