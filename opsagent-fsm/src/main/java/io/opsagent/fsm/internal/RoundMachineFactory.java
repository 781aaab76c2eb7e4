package io.opsagent.fsm.internal;

import static io.opsagent.fsm.RoundEvent.DONE_RECEIVED;
import static io.opsagent.fsm.RoundEvent.RECIPE_RECEIVED;
import static io.opsagent.fsm.RoundEvent.RESUME;
import static io.opsagent.fsm.RoundEvent.STATE_FAILED;
import static io.opsagent.fsm.RoundEvent.STATE_SUCCEEDED;
import static io.opsagent.fsm.RoundEvent.STOP;
import static io.opsagent.fsm.RoundEvent.TIMER_FIRED;
import static io.opsagent.fsm.RoundEvent.UPGRADE_FAILED;
import static io.opsagent.fsm.RoundEvent.UPGRADE_FINISHED;
import static io.opsagent.fsm.RoundEvent.UPGRADE_ORDERED;
import static io.opsagent.fsm.RoundEvent.WAIT_REACHED;
import static io.opsagent.fsm.RoundState.BACKOFF;
import static io.opsagent.fsm.RoundState.EXECUTING;
import static io.opsagent.fsm.RoundState.IDLE;
import static io.opsagent.fsm.RoundState.PENDING_UPGRADE;
import static io.opsagent.fsm.RoundState.RETRYING;
import static io.opsagent.fsm.RoundState.STOPPED;
import static io.opsagent.fsm.RoundState.WAITING_FOR_DONE;

import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.RoundState;
import java.util.EnumSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.springframework.beans.factory.BeanNameAware;
import org.springframework.statemachine.StateContext;
import org.springframework.statemachine.StateMachine;
import org.springframework.statemachine.action.Action;
import org.springframework.statemachine.config.StateMachineBuilder;
import org.springframework.statemachine.config.StateMachineFactory;
import org.springframework.statemachine.config.builders.StateMachineTransitionConfigurer;
import org.springframework.statemachine.guard.Guard;

/**
 * The round lifecycle as one declarative table (DESIGN §3), built once with Spring
 * Statemachine's {@link StateMachineBuilder}, without an application context.
 *
 * <p>Guards are named as questions and actions by verb; both only read or call the machine's
 * {@link RoundContext}, which each machine carries in its extended state. The plain-text
 * statechart in {@code docs/round-machine.md} lists the same transitions, and a test checks that
 * the two agree.
 */
public final class RoundMachineFactory {

    private static final Logger LOG = LogManager.getLogger(RoundMachineFactory.class);

    /** The extended-state key of a machine's {@link RoundContext}. */
    static final String CONTEXT = "round";

    /** The states in which a round is running: a new recipe ceases it, an upgrade waits for it. */
    private static final EnumSet<RoundState> ROUND_RUNNING = EnumSet.of(EXECUTING, RETRYING, WAITING_FOR_DONE);

    // ---------------------------------------------------------------- guards (questions)

    static final Guard<RoundState, RoundEvent> recipeHasStates = guard(RoundContext::recipeHasStates);
    static final Guard<RoundState, RoundEvent> recipeIsEmpty = guard(c -> !c.recipeHasStates());
    static final Guard<RoundState, RoundEvent> moreStatesLeft = guard(RoundContext::moreStatesLeft);
    static final Guard<RoundState, RoundEvent> lastStateAndNoUpgrade =
            guard(c -> !c.moreStatesLeft() && !c.upgradeRequested());
    static final Guard<RoundState, RoundEvent> lastStateAndUpgradeRequested =
            guard(c -> !c.moreStatesLeft() && c.upgradeRequested());
    static final Guard<RoundState, RoundEvent> upgradeRequested = guard(RoundContext::upgradeRequested);
    static final Guard<RoundState, RoundEvent> noUpgradeRequested = guard(c -> !c.upgradeRequested());
    static final Guard<RoundState, RoundEvent> currentWaitReleased = guard(RoundContext::currentWaitReleased);
    static final Guard<RoundState, RoundEvent> currentWaitHeld = guard(c -> !c.currentWaitReleased());
    static final Guard<RoundState, RoundEvent> releasesWaitInFirstAttempt =
            guard(c -> c.releasesCurrentWait() && c.inFirstAttempt());
    static final Guard<RoundState, RoundEvent> releasesWaitInRetryAttempt =
            guard(c -> c.releasesCurrentWait() && !c.inFirstAttempt());
    static final Guard<RoundState, RoundEvent> releasesAnotherWait = guard(c -> !c.releasesCurrentWait());
    static final Guard<RoundState, RoundEvent> newRecipeKeptDuringUpgrade =
            guard(c -> c.recipeKeptDuringUpgrade() && c.hasStates());
    static final Guard<RoundState, RoundEvent> lastRoundCeased =
            guard(c -> !(c.recipeKeptDuringUpgrade() && c.hasStates()) && c.lastRoundFailed() && c.hasStates());
    static final Guard<RoundState, RoundEvent> resumesInFirstAttempt = guard(RoundContext::inFirstAttempt);
    static final Guard<RoundState, RoundEvent> resumesInRetryAttempt = guard(c -> !c.inFirstAttempt());
    static final Guard<RoundState, RoundEvent> nothingToResume =
            guard(c -> !(c.recipeKeptDuringUpgrade() && c.hasStates()) && !(c.lastRoundFailed() && c.hasStates()));

    // ---------------------------------------------------------------- actions (verbs)

    static final Action<RoundState, RoundEvent> loadRecipe = action("loadRecipe", RoundContext::loadRecipe);
    static final Action<RoundState, RoundEvent> keepRecipe = action("keepRecipe", RoundContext::keepRecipe);
    static final Action<RoundState, RoundEvent> startRound = action("startRound", RoundContext::startRound);
    static final Action<RoundState, RoundEvent> cancelRound = action("cancelRound", RoundContext::cancelRound);
    static final Action<RoundState, RoundEvent> reportResult = action("reportResult", RoundContext::reportResult);
    static final Action<RoundState, RoundEvent> runNextState = action("runNextState", RoundContext::runNextState);
    static final Action<RoundState, RoundEvent> restartRound = action("restartRound", RoundContext::restartRound);
    static final Action<RoundState, RoundEvent> finishRound = action("finishRound", RoundContext::finishRound);
    static final Action<RoundState, RoundEvent> scheduleNextRound =
            action("scheduleNextRound", RoundContext::scheduleNextRound);
    static final Action<RoundState, RoundEvent> ceaseRound = action("ceaseRound", RoundContext::ceaseRound);
    static final Action<RoundState, RoundEvent> scheduleBackoff =
            action("scheduleBackoff", RoundContext::scheduleBackoff);
    static final Action<RoundState, RoundEvent> rememberRelease =
            action("rememberRelease", RoundContext::rememberRelease);
    static final Action<RoundState, RoundEvent> releaseWait = action("releaseWait", RoundContext::releaseWait);
    static final Action<RoundState, RoundEvent> passReleasedWait =
            action("passReleasedWait", RoundContext::passReleasedWait);
    static final Action<RoundState, RoundEvent> rememberUpgrade =
            action("rememberUpgrade", RoundContext::rememberUpgrade);
    static final Action<RoundState, RoundEvent> startUpgrade = action("startUpgrade", RoundContext::startUpgrade);
    static final Action<RoundState, RoundEvent> finishUpgrade = action("finishUpgrade", RoundContext::finishUpgrade);
    static final Action<RoundState, RoundEvent> abandonUpgrade =
            action("abandonUpgrade", RoundContext::abandonUpgrade);
    static final Action<RoundState, RoundEvent> shutDown = action("shutDown", RoundContext::shutDown);
    static final Action<RoundState, RoundEvent> resumeRound = action("resumeRound", RoundContext::resumeRound);

    private static final StateMachineFactory<RoundState, RoundEvent> FACTORY = build();

    private RoundMachineFactory() { }

    /** A new, not yet started machine that acts on {@code context}. */
    static StateMachine<RoundState, RoundEvent> create(RoundContext context) {
        StateMachine<RoundState, RoundEvent> machine = FACTORY.getStateMachine();
        machine.getExtendedState().getVariables().put(CONTEXT, context);
        // Without an application context there are no annotated handlers to look up, but the
        // factory's default bean name makes Spring Statemachine compile a regex per transition
        // to search for them (a fifth of the per-event cost). No name, no search.
        if (machine instanceof BeanNameAware named) {
            named.setBeanName(null);
        }
        return machine;
    }

    private static StateMachineFactory<RoundState, RoundEvent> build() {
        StateMachineBuilder.Builder<RoundState, RoundEvent> builder = StateMachineBuilder.builder();
        try {
            builder.configureConfiguration().withConfiguration().autoStartup(false);
            builder.configureStates().withStates()
                    .initial(IDLE)
                    .states(EnumSet.allOf(RoundState.class))
                    .end(STOPPED);
            transitions(builder.configureTransitions());
        } catch (Exception e) {
            throw new OpsAgentException("the round machine's definition is invalid", e);
        }
        return builder.createFactory();
    }

    private static void transitions(StateMachineTransitionConfigurer<RoundState, RoundEvent> t) throws Exception {
        // Nothing runs: a recipe starts a round, a timer starts the next one, an upgrade runs at once.
        external(t, IDLE, RECIPE_RECEIVED, EXECUTING, recipeHasStates, loadRecipe, startRound);
        internal(t, IDLE, RECIPE_RECEIVED, recipeIsEmpty, loadRecipe);
        external(t, IDLE, TIMER_FIRED, EXECUTING, null, startRound);
        external(t, IDLE, UPGRADE_ORDERED, PENDING_UPGRADE, null, rememberUpgrade, startUpgrade);
        internal(t, IDLE, DONE_RECEIVED, null, rememberRelease);
        external(t, IDLE, RESUME, EXECUTING, resumesInFirstAttempt, resumeRound);
        external(t, IDLE, RESUME, RETRYING, resumesInRetryAttempt, resumeRound);

        // A round runs its states one by one (rules 1, 2, 3, 8).
        for (RoundState attempt : EnumSet.of(EXECUTING, RETRYING)) {
            internal(t, attempt, STATE_SUCCEEDED, moreStatesLeft, reportResult, runNextState);
            external(t, attempt, STATE_SUCCEEDED, IDLE, lastStateAndNoUpgrade, reportResult, finishRound,
                    scheduleNextRound);
            external(t, attempt, STATE_SUCCEEDED, PENDING_UPGRADE, lastStateAndUpgradeRequested, reportResult,
                    finishRound, startUpgrade);
            external(t, attempt, WAIT_REACHED, WAITING_FOR_DONE, currentWaitHeld);
            internal(t, attempt, WAIT_REACHED, currentWaitReleased, passReleasedWait);
            internal(t, attempt, DONE_RECEIVED, null, rememberRelease);
        }
        external(t, EXECUTING, STATE_FAILED, RETRYING, null, reportResult, restartRound);
        external(t, RETRYING, STATE_FAILED, BACKOFF, noUpgradeRequested, reportResult, ceaseRound, scheduleBackoff);
        external(t, RETRYING, STATE_FAILED, PENDING_UPGRADE, upgradeRequested, reportResult, ceaseRound,
                startUpgrade);

        // A wait state holds the round until the backend releases it (rule 5).
        external(t, WAITING_FOR_DONE, DONE_RECEIVED, EXECUTING, releasesWaitInFirstAttempt, releaseWait);
        external(t, WAITING_FOR_DONE, DONE_RECEIVED, RETRYING, releasesWaitInRetryAttempt, releaseWait);
        internal(t, WAITING_FOR_DONE, DONE_RECEIVED, releasesAnotherWait, rememberRelease);

        // While a round runs: a new recipe ceases it (rule 6), an upgrade waits for its end (rule 7).
        for (RoundState running : ROUND_RUNNING) {
            external(t, running, RECIPE_RECEIVED, EXECUTING, recipeHasStates, cancelRound, loadRecipe, startRound);
            external(t, running, RECIPE_RECEIVED, IDLE, recipeIsEmpty, cancelRound, loadRecipe);
            internal(t, running, UPGRADE_ORDERED, null, rememberUpgrade);
            external(t, running, STOP, STOPPED, null, shutDown);
        }

        // The round ceased: retry after the backoff delay, or at once for a new recipe.
        external(t, BACKOFF, TIMER_FIRED, EXECUTING, null, startRound);
        external(t, BACKOFF, RECIPE_RECEIVED, EXECUTING, recipeHasStates, loadRecipe, startRound);
        external(t, BACKOFF, RECIPE_RECEIVED, IDLE, recipeIsEmpty, loadRecipe);
        external(t, BACKOFF, UPGRADE_ORDERED, PENDING_UPGRADE, null, rememberUpgrade, startUpgrade);
        internal(t, BACKOFF, DONE_RECEIVED, null, rememberRelease);

        // The upgrade runs; a recipe that arrives meanwhile is kept for whichever version runs next.
        internal(t, PENDING_UPGRADE, RECIPE_RECEIVED, null, keepRecipe);
        internal(t, PENDING_UPGRADE, UPGRADE_ORDERED, null, rememberUpgrade);
        internal(t, PENDING_UPGRADE, DONE_RECEIVED, null, rememberRelease);
        external(t, PENDING_UPGRADE, UPGRADE_FINISHED, STOPPED, null, finishUpgrade, shutDown);
        external(t, PENDING_UPGRADE, UPGRADE_FAILED, EXECUTING, newRecipeKeptDuringUpgrade, abandonUpgrade,
                startRound);
        external(t, PENDING_UPGRADE, UPGRADE_FAILED, BACKOFF, lastRoundCeased, abandonUpgrade, scheduleBackoff);
        external(t, PENDING_UPGRADE, UPGRADE_FAILED, IDLE, nothingToResume, abandonUpgrade, scheduleNextRound);

        for (RoundState quiet : EnumSet.of(IDLE, BACKOFF, PENDING_UPGRADE)) {
            external(t, quiet, STOP, STOPPED, null, shutDown);
        }
    }

    @SafeVarargs
    private static void external(StateMachineTransitionConfigurer<RoundState, RoundEvent> t, RoundState source,
            RoundEvent event, RoundState target, Guard<RoundState, RoundEvent> guard,
            Action<RoundState, RoundEvent>... actions) throws Exception {
        var c = t.withExternal().source(source).target(target).event(event);
        if (guard != null) {
            c.guard(guard);
        }
        for (Action<RoundState, RoundEvent> a : actions) {
            c.action(a);
        }
    }

    @SafeVarargs
    private static void internal(StateMachineTransitionConfigurer<RoundState, RoundEvent> t, RoundState source,
            RoundEvent event, Guard<RoundState, RoundEvent> guard, Action<RoundState, RoundEvent>... actions)
            throws Exception {
        var c = t.withInternal().source(source).event(event);
        if (guard != null) {
            c.guard(guard);
        }
        for (Action<RoundState, RoundEvent> a : actions) {
            c.action(a);
        }
    }

    static RoundContext context(StateContext<RoundState, RoundEvent> c) {
        return (RoundContext) c.getExtendedState().getVariables().get(CONTEXT);
    }

    private static Guard<RoundState, RoundEvent> guard(Predicate<RoundContext> question) {
        return c -> question.test(context(c));
    }

    private static Action<RoundState, RoundEvent> action(String name, Consumer<RoundContext> verb) {
        return new Action<>() {
            @Override
            public void execute(StateContext<RoundState, RoundEvent> c) {
                RoundContext context = context(c);
                try {
                    verb.accept(context);
                } catch (RuntimeException | Error e) {
                    // Spring Statemachine would cancel the transition without a word; say it loudly.
                    LOG.error("round machine action {} failed on {}", name, c.getEvent(), e);
                    context.actionFailures++;
                    throw e;
                }
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
