package io.opsagent.fsm.internal;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.AgentSnapshot;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.RoundEvent;
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
 * result, a timer that was called off) are dropped and counted. After it, the machine is checked
 * for having taken the event: an event no transition applied to is logged and counted as
 * rejected. Listeners are told what happened once the machine has settled.
 */
public final class RoundMachine {

    private static final Logger LOG = LogManager.getLogger(RoundMachine.class);

    private final EventLoop loop;
    private final RoundContext context;
    private final StateMachine<RoundState, RoundEvent> machine;
    private final RoundListener listener;
    private final List<RoundState[]> changes = new ArrayList<>();
    private boolean transitioned;
    private boolean dispatching;
    private long rejectedEvents;
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
        this.context = new RoundContext(loop, executor, sink, identity, settings, random, upgrader, listener);
        this.context.setPoster(this::post);
        this.machine = RoundMachineFactory.create(context);
        this.machine.addStateListener(new StateMachineListenerAdapter<>() {
            @Override
            public void stateChanged(State<RoundState, RoundEvent> from, State<RoundState, RoundEvent> to) {
                if (from != null && to != null) {
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
                    dispatch(RoundEvent.RESUME, null);
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

    /** Posts {@code event} with {@code input} to the event loop; callable from any thread. */
    public void post(RoundEvent event, Object input) {
        loop.execute(() -> dispatch(event, input));
    }

    /** A recipe from the backend; one of the loaded version is ignored as a duplicate. Any thread. */
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
        if (recipe.recipeVersion() == context.recipeVersion()) {
            LOG.info("recipe version {} is already loaded; ignored", recipe.recipeVersion());
            return;
        }
        dispatch(RoundEvent.RECIPE_RECEIVED, recipe);
    }

    /** {@link #doneReceived}, within the calling loop task; see {@link #canTakeNow}. */
    public void takeDone(StateDone done) {
        if (done.recipeVersion() != context.recipeVersion()) {
            LOG.warn("release of wait state {} for recipe version {} dropped: the loaded version is {}",
                    done.id(), done.recipeVersion(), context.recipeVersion());
            return;
        }
        dispatch(RoundEvent.DONE_RECEIVED, done);
    }

    /** An upgrade order from the backend. Any thread. */
    public void upgradeOrdered(AgentUpdate order) {
        post(RoundEvent.UPGRADE_ORDERED, order);
    }

    /** Stops the machine: the running state is cancelled. Idempotent; any thread. */
    public void stop() {
        loop.execute(() -> {
            if (state() != RoundState.STOPPED) {
                dispatch(RoundEvent.STOP, null);
            }
        });
    }

    /**
     * Runs {@code action} once every state handed to the executor has reported, a cancelled one
     * included: at once, or on the executor's thread.
     */
    public void whenNoStateRuns(Runnable action) {
        context.whenNoStateRuns(action);
    }

    public AgentSnapshot snapshot() {
        return snapshot;
    }

    /** The loop time the next round or retry is due at, 0 when none is scheduled; safe from any thread. */
    public long timerDueNanos() {
        return context.timerDueNanos();
    }

    /** The machine's current state; call on the event loop. */
    public RoundState state() {
        return machine.getState() == null ? null : machine.getState().getId();
    }

    /** The built Spring machine, for the statechart test. */
    StateMachine<RoundState, RoundEvent> springMachine() {
        return machine;
    }

    private void dispatch(RoundEvent event, Object input) {
        if (!admit(event, input)) {
            publish();
            return;
        }
        dispatching = true;
        try {
            dispatchAdmitted(event, input);
        } finally {
            dispatching = false;
        }
    }

    private void dispatchAdmitted(RoundEvent event, Object input) {
        RoundState before = state();
        context.input = input;
        transitioned = false;
        StateMachineEventResult<RoundState, RoundEvent> result;
        try {
            result = machine.sendEvent(Mono.just(MessageBuilder.withPayload(event).build())).blockLast();
        } finally {
            context.input = null;
        }
        boolean accepted = result != null
                && result.getResultType() == StateMachineEventResult.ResultType.ACCEPTED
                && transitioned;
        if (!accepted) {
            rejectedEvents++;
            String reason = "no transition for " + event + " in " + before;
            LOG.warn("event rejected: {} (input: {})", reason, describe(input));
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

    /** Drops inputs of superseded work before they reach the machine. */
    private boolean admit(RoundEvent event, Object input) {
        switch (event) {
            case STATE_SUCCEEDED:
            case STATE_FAILED:
                if (!context.acceptCompletion(((RoundContext.Completion) input).token())) {
                    LOG.debug("late result dropped: {}", input);
                    return false;
                }
                return true;
            case WAIT_REACHED:
                return context.isActive((Long) input);
            case TIMER_FIRED:
                return context.acceptTimer((Long) input);
            default:
                return true;
        }
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
                context.lateResults);
    }

    private static String describe(Object input) {
        if (input instanceof RecipeMetadata r) {
            return "recipe version " + r.recipeVersion();
        }
        return String.valueOf(input);
    }
}
