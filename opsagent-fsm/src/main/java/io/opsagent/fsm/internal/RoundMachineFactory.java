package io.opsagent.fsm.internal;

import static io.opsagent.fsm.RoundEvent.DONE_RECEIVED;
import static io.opsagent.fsm.RoundEvent.RECIPE_RECEIVED;
import static io.opsagent.fsm.RoundEvent.RESUME;
import static io.opsagent.fsm.RoundEvent.STATE_FAILED;
import static io.opsagent.fsm.RoundEvent.STATE_SUCCEEDED;
import static io.opsagent.fsm.RoundEvent.STATE_TIMED_OUT;
import static io.opsagent.fsm.RoundEvent.STOP;
import static io.opsagent.fsm.RoundEvent.TIMER_FIRED;
import static io.opsagent.fsm.RoundEvent.UPGRADE_FAILED;
import static io.opsagent.fsm.RoundEvent.UPGRADE_FINISHED;
import static io.opsagent.fsm.RoundEvent.UPGRADE_ORDERED;
import static io.opsagent.fsm.RoundState.BACKOFF;
import static io.opsagent.fsm.RoundState.EXECUTING;
import static io.opsagent.fsm.RoundState.IDLE;
import static io.opsagent.fsm.RoundState.PENDING_UPGRADE;
import static io.opsagent.fsm.RoundState.RETRYING;
import static io.opsagent.fsm.RoundState.STATE_REACHED;
import static io.opsagent.fsm.RoundState.STOPPED;
import static io.opsagent.fsm.RoundState.WAITING_FOR_DONE;

import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.internal.RoundInput.RecipeArrived;
import io.opsagent.fsm.internal.RoundInput.StateCompleted;
import io.opsagent.fsm.internal.RoundInput.StateTimedOut;
import io.opsagent.fsm.internal.RoundInput.UpgradeFailed;
import io.opsagent.fsm.internal.RoundInput.UpgradeOrdered;
import io.opsagent.fsm.internal.RoundInput.WaitReleased;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
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
import org.springframework.statemachine.config.configurers.ChoiceTransitionConfigurer;
import org.springframework.statemachine.guard.Guard;

/**
 * The round lifecycle as one declarative table (DESIGN §3), built once with Spring
 * Statemachine's {@link StateMachineBuilder}, without an application context.
 *
 * <p>Every decision of a round is a row of {@link #TABLE}: a transition on an event, or a branch
 * of the choice {@link RoundState#STATE_REACHED} that every step of a round passes through.
 * Guards are named as questions and actions by verb; both read only the machine's
 * {@link RoundContext} (in the machine's extended state) and the event's typed
 * {@link RoundInput} (in the message's {@link #INPUT} header). The plain-text statechart in
 * {@code docs/round-machine.md} lists the same rows with the same guard names, and a test
 * checks that the two, and the built machine, agree.
 */
final class RoundMachineFactory {

    private static final Logger LOG = LogManager.getLogger(RoundMachineFactory.class);

    /** The extended-state key of a machine's {@link RoundContext}. */
    static final String CONTEXT = "round";

    /** The message header that carries an event's {@link RoundInput}. */
    static final String INPUT = "input";

    /** The states in which a round is running: a new recipe ceases it, an upgrade waits for it. */
    private static final EnumSet<RoundState> ROUND_RUNNING = EnumSet.of(EXECUTING, RETRYING, WAITING_FOR_DONE);

    // ---------------------------------------------------------------- guards (questions)

    static final Question sameVersionAsLoaded =
            ask("sameVersionAsLoaded", RecipeArrived.class, RoundContext::sameVersionAsLoaded);
    static final Question newVersion = ask("newVersion", RecipeArrived.class, RoundContext::newVersion);
    static final Question recipeHasStates = ask("recipeHasStates", RecipeArrived.class, RoundContext::recipeHasStates);
    static final Question recipeIsEmpty = ask("recipeIsEmpty", RecipeArrived.class, RoundContext::recipeIsEmpty);
    static final Question headerOnlyWithStatesLoaded =
            ask("headerOnlyWithStatesLoaded", RecipeArrived.class, RoundContext::headerOnlyWithStatesLoaded);
    static final Question headerOnlyWithNoStatesLoaded =
            ask("headerOnlyWithNoStatesLoaded", RecipeArrived.class, RoundContext::headerOnlyWithNoStatesLoaded);
    static final Question noStatesLeftAndNoUpgrade = ask("noStatesLeftAndNoUpgrade", RoundContext::noStatesLeftAndNoUpgrade);
    static final Question noStatesLeftAndUpgradeRequested =
            ask("noStatesLeftAndUpgradeRequested", RoundContext::noStatesLeftAndUpgradeRequested);
    static final Question nextStateRuns = ask("nextStateRuns", RoundContext::nextStateRuns);
    static final Question nextStateDoesNotRun = ask("nextStateDoesNotRun", RoundContext::nextStateDoesNotRun);
    static final Question completesAtOnce = ask("completesAtOnce", RoundContext::completesAtOnce);
    static final Question waitHeld = ask("waitHeld", RoundContext::waitHeld);
    static final Question inFirstAttempt = ask("inFirstAttempt", RoundContext::inFirstAttempt);
    static final Question upgradeRequested = ask("upgradeRequested", RoundContext::upgradeRequested);
    static final Question noUpgradeRequested = ask("noUpgradeRequested", RoundContext::noUpgradeRequested);
    static final Question retryAndNoUpgradeRequested =
            ask("retryAndNoUpgradeRequested", RoundContext::retryAndNoUpgradeRequested);
    static final Question retryAndUpgradeRequested =
            ask("retryAndUpgradeRequested", RoundContext::retryAndUpgradeRequested);
    static final Question releasesHeldWait = ask("releasesHeldWait", WaitReleased.class, RoundContext::releasesHeldWait);
    static final Question releasesAnotherWait =
            ask("releasesAnotherWait", WaitReleased.class, RoundContext::releasesAnotherWait);
    static final Question newRecipeKeptDuringUpgrade =
            ask("newRecipeKeptDuringUpgrade", RoundContext::newRecipeKeptDuringUpgrade);
    static final Question lastRoundCeased = ask("lastRoundCeased", RoundContext::lastRoundCeased);
    static final Question nothingToResume = ask("nothingToResume", RoundContext::nothingToResume);

    // ---------------------------------------------------------------- actions (verbs)

    static final Verb ignoreRecipe = act("ignoreRecipe", RecipeArrived.class, RoundContext::ignoreRecipe);
    static final Verb loadRecipe = act("loadRecipe", RecipeArrived.class, RoundContext::loadRecipe);
    static final Verb keepRecipe = act("keepRecipe", RecipeArrived.class, RoundContext::keepRecipe);
    static final Verb cancelRound = act("cancelRound", RecipeArrived.class, RoundContext::cancelRound);
    static final Verb startRound = act("startRound", RoundContext::startRound);
    static final Verb restartRound = act("restartRound", RoundContext::restartRound);
    static final Verb resumeRound = act("resumeRound", RoundContext::resumeRound);
    static final Verb reportResult = act("reportResult", StateCompleted.class, RoundContext::reportResult);
    static final Verb stopTimedOutState = act("stopTimedOutState", StateTimedOut.class, RoundContext::stopTimedOutState);
    static final Verb advance = act("advance", RoundContext::advance);
    static final Verb passStates = act("passStates", RoundContext::passStates);
    static final Verb holdWait = act("holdWait", RoundContext::holdWait);
    static final Verb runState = act("runState", RoundContext::runState);
    static final Verb passHeldWait = act("passHeldWait", WaitReleased.class, RoundContext::passHeldWait);
    static final Verb finishRound = act("finishRound", RoundContext::finishRound);
    static final Verb scheduleNextRound = act("scheduleNextRound", RoundContext::scheduleNextRound);
    static final Verb ceaseRound = act("ceaseRound", RoundContext::ceaseRound);
    static final Verb scheduleBackoff = act("scheduleBackoff", RoundContext::scheduleBackoff);
    static final Verb rememberRelease = act("rememberRelease", WaitReleased.class, RoundContext::rememberRelease);
    static final Verb rememberUpgrade = act("rememberUpgrade", UpgradeOrdered.class, RoundContext::rememberUpgrade);
    static final Verb startUpgrade = act("startUpgrade", RoundContext::startUpgrade);
    static final Verb finishUpgrade = act("finishUpgrade", RoundContext::finishUpgrade);
    static final Verb abandonUpgrade = act("abandonUpgrade", UpgradeFailed.class, RoundContext::abandonUpgrade);
    static final Verb shutDown = act("shutDown", RoundContext::shutDown);

    /**
     * One decision: on {@code event} in {@code source} (null event: a branch of the choice
     * {@code source}, taken in table order), when {@code guard} holds (null: always), go to
     * {@code target} (null: stay, an internal transition) doing {@code actions} in order.
     */
    record Row(RoundState source, RoundEvent event, Question guard, RoundState target, List<Verb> actions) {

        boolean isChoice() {
            return event == null;
        }

        /** The row as the statechart in docs/round-machine.md writes it. */
        String line() {
            String to = target == null ? "(internal)" : target.name();
            if (isChoice()) {
                return source + " --[" + (guard == null ? "otherwise" : guard) + "]--> " + to;
            }
            return source + " --" + event + (guard == null ? "" : " [" + guard + "]") + "--> " + to;
        }
    }

    /** Every decision of the round machine. */
    static final List<Row> TABLE = table();

    private static final StateMachineFactory<RoundState, RoundEvent> FACTORY = build();

    private RoundMachineFactory() { }

    private static List<Row> table() {
        List<Row> t = new ArrayList<>();

        // Nothing runs: a recipe starts a round, a timer starts the next one, an upgrade runs at once.
        recipeRows(t, IDLE, false);
        internal(t, IDLE, RECIPE_RECEIVED, recipeIsEmpty, loadRecipe);
        internal(t, IDLE, RECIPE_RECEIVED, headerOnlyWithNoStatesLoaded, loadRecipe);
        external(t, IDLE, TIMER_FIRED, null, STATE_REACHED, startRound);
        external(t, IDLE, UPGRADE_ORDERED, null, PENDING_UPGRADE, rememberUpgrade, startUpgrade);
        internal(t, IDLE, DONE_RECEIVED, null, rememberRelease);
        external(t, IDLE, RESUME, null, STATE_REACHED, resumeRound);

        // The round reaches its next state (rules 1, 4, 5, 8): it ends after the last one; a
        // comment or a released wait is passed; a held wait holds it; any other state runs.
        choice(t, noStatesLeftAndNoUpgrade, IDLE, finishRound, scheduleNextRound);
        choice(t, noStatesLeftAndUpgradeRequested, PENDING_UPGRADE, finishRound, startUpgrade);
        choice(t, completesAtOnce, STATE_REACHED, passStates);
        choice(t, waitHeld, WAITING_FOR_DONE, holdWait);
        choice(t, inFirstAttempt, EXECUTING, runState);
        choice(t, null, RETRYING, runState);

        // A state ends: the round moves on, restarts (rule 2) or ceases (rule 3); a state that
        // runs out of time is killed and fails (rule 9).
        for (RoundState attempt : EnumSet.of(EXECUTING, RETRYING)) {
            // The common step, from one executed state to the next, skips the choice: Spring
            // Statemachine's choice costs more than twice an internal transition (docs/benchmarks.md).
            internal(t, attempt, STATE_SUCCEEDED, nextStateRuns, reportResult, advance, runState);
            external(t, attempt, STATE_SUCCEEDED, nextStateDoesNotRun, STATE_REACHED, reportResult, advance);
            internal(t, attempt, DONE_RECEIVED, null, rememberRelease);
        }
        external(t, EXECUTING, STATE_FAILED, null, STATE_REACHED, reportResult, restartRound);
        external(t, EXECUTING, STATE_TIMED_OUT, null, STATE_REACHED, stopTimedOutState, restartRound);
        external(t, RETRYING, STATE_FAILED, noUpgradeRequested, BACKOFF, reportResult, ceaseRound, scheduleBackoff);
        external(t, RETRYING, STATE_FAILED, upgradeRequested, PENDING_UPGRADE, reportResult, ceaseRound, startUpgrade);
        external(t, RETRYING, STATE_TIMED_OUT, noUpgradeRequested, BACKOFF, stopTimedOutState, ceaseRound,
                scheduleBackoff);
        external(t, RETRYING, STATE_TIMED_OUT, upgradeRequested, PENDING_UPGRADE, stopTimedOutState, ceaseRound,
                startUpgrade);

        // A wait state holds the round until the backend releases it (rule 5), or its timeout (rule 9).
        external(t, WAITING_FOR_DONE, DONE_RECEIVED, releasesHeldWait, STATE_REACHED, passHeldWait);
        internal(t, WAITING_FOR_DONE, DONE_RECEIVED, releasesAnotherWait, rememberRelease);
        external(t, WAITING_FOR_DONE, STATE_TIMED_OUT, inFirstAttempt, STATE_REACHED, stopTimedOutState,
                restartRound);
        external(t, WAITING_FOR_DONE, STATE_TIMED_OUT, retryAndNoUpgradeRequested, BACKOFF, stopTimedOutState,
                ceaseRound, scheduleBackoff);
        external(t, WAITING_FOR_DONE, STATE_TIMED_OUT, retryAndUpgradeRequested, PENDING_UPGRADE, stopTimedOutState,
                ceaseRound, startUpgrade);

        // While a round runs: a new recipe ceases it (rule 6), an upgrade waits for its end (rule 7).
        for (RoundState running : ROUND_RUNNING) {
            recipeRows(t, running, true);
            external(t, running, RECIPE_RECEIVED, recipeIsEmpty, IDLE, cancelRound, loadRecipe);
            internal(t, running, UPGRADE_ORDERED, null, rememberUpgrade);
        }

        // The round ceased: retry after the backoff delay, or at once for a new recipe.
        external(t, BACKOFF, TIMER_FIRED, null, STATE_REACHED, startRound);
        recipeRows(t, BACKOFF, false);
        external(t, BACKOFF, RECIPE_RECEIVED, recipeIsEmpty, IDLE, loadRecipe);
        external(t, BACKOFF, UPGRADE_ORDERED, null, PENDING_UPGRADE, rememberUpgrade, startUpgrade);
        internal(t, BACKOFF, DONE_RECEIVED, null, rememberRelease);

        // The upgrade runs; a recipe that arrives meanwhile is kept for whichever version runs next.
        internal(t, PENDING_UPGRADE, RECIPE_RECEIVED, sameVersionAsLoaded, ignoreRecipe);
        internal(t, PENDING_UPGRADE, RECIPE_RECEIVED, newVersion, keepRecipe);
        internal(t, PENDING_UPGRADE, UPGRADE_ORDERED, null, rememberUpgrade);
        internal(t, PENDING_UPGRADE, DONE_RECEIVED, null, rememberRelease);
        external(t, PENDING_UPGRADE, UPGRADE_FINISHED, null, STOPPED, finishUpgrade, shutDown);
        external(t, PENDING_UPGRADE, UPGRADE_FAILED, newRecipeKeptDuringUpgrade, STATE_REACHED, abandonUpgrade,
                startRound);
        external(t, PENDING_UPGRADE, UPGRADE_FAILED, lastRoundCeased, BACKOFF, abandonUpgrade, scheduleBackoff);
        external(t, PENDING_UPGRADE, UPGRADE_FAILED, nothingToResume, IDLE, abandonUpgrade, scheduleNextRound);

        for (RoundState any : EnumSet.of(IDLE, EXECUTING, RETRYING, WAITING_FOR_DONE, BACKOFF, PENDING_UPGRADE)) {
            external(t, any, STOP, null, STOPPED, shutDown);
        }
        return List.copyOf(t);
    }

    /**
     * A recipe in {@code source} (rule 6): the loaded version again (a reconnect's re-push) changes
     * nothing; a new version with states, or a header-only one over loaded states, starts a round
     * (after cancelling the running one).
     */
    private static void recipeRows(List<Row> t, RoundState source, boolean cancelsRound) {
        internal(t, source, RECIPE_RECEIVED, sameVersionAsLoaded, ignoreRecipe);
        for (Question starts : List.of(recipeHasStates, headerOnlyWithStatesLoaded)) {
            if (cancelsRound) {
                external(t, source, RECIPE_RECEIVED, starts, STATE_REACHED, cancelRound, loadRecipe, startRound);
            } else {
                external(t, source, RECIPE_RECEIVED, starts, STATE_REACHED, loadRecipe, startRound);
            }
        }
    }

    private static void external(List<Row> t, RoundState source, RoundEvent event, Question guard, RoundState target,
            Verb... actions) {
        t.add(new Row(source, event, guard, target, List.of(actions)));
    }

    private static void internal(List<Row> t, RoundState source, RoundEvent event, Question guard, Verb... actions) {
        t.add(new Row(source, event, guard, null, List.of(actions)));
    }

    private static void choice(List<Row> t, Question guard, RoundState target, Verb... actions) {
        t.add(new Row(STATE_REACHED, null, guard, target, List.of(actions)));
    }

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
                    .choice(STATE_REACHED)
                    .states(EnumSet.complementOf(EnumSet.of(STATE_REACHED)))
                    .end(STOPPED);
            configure(builder.configureTransitions());
        } catch (Exception e) {
            throw new OpsAgentException("the round machine's definition is invalid", e);
        }
        return builder.createFactory();
    }

    private static void configure(StateMachineTransitionConfigurer<RoundState, RoundEvent> transitions)
            throws Exception {
        ChoiceTransitionConfigurer<RoundState, RoundEvent> choice = null;
        for (Row row : TABLE) {
            if (row.isChoice()) {
                Action<RoundState, RoundEvent> all = Verb.inOrder(row.actions());
                if (choice == null) {
                    choice = transitions.withChoice().source(row.source()).first(row.target(), row.guard(), all);
                } else if (row.guard() != null) {
                    choice.then(row.target(), row.guard(), all);
                } else {
                    choice.last(row.target(), all);
                }
                continue;
            }
            var c = row.target() == null
                    ? transitions.withInternal().source(row.source()).event(row.event())
                    : transitions.withExternal().source(row.source()).target(row.target()).event(row.event());
            if (row.guard() != null) {
                c.guard(row.guard());
            }
            for (Verb a : row.actions()) {
                c.action(a);
            }
        }
    }

    static RoundContext context(StateContext<RoundState, RoundEvent> c) {
        return (RoundContext) c.getExtendedState().getVariables().get(CONTEXT);
    }

    private static <I extends RoundInput> I input(StateContext<RoundState, RoundEvent> c, Class<I> type, Object user) {
        Object input = c.getMessageHeader(INPUT);
        if (!type.isInstance(input)) {
            throw new IllegalStateException(user + " reads a " + type.getSimpleName() + ", but " + c.getEvent()
                    + " carries " + (input == null ? "nothing" : input.getClass().getSimpleName()));
        }
        return type.cast(input);
    }

    private static Question ask(String name, Predicate<RoundContext> question) {
        return new Question(name, c -> question.test(context(c)));
    }

    private static <I extends RoundInput> Question ask(String name, Class<I> type, BiPredicate<RoundContext, I> question) {
        return new Question(name, c -> question.test(context(c), input(c, type, "guard " + name)));
    }

    private static Verb act(String name, Consumer<RoundContext> verb) {
        return new Verb(name, c -> verb.accept(context(c)));
    }

    private static <I extends RoundInput> Verb act(String name, Class<I> type, BiConsumer<RoundContext, I> verb) {
        return new Verb(name, c -> verb.accept(context(c), input(c, type, "action " + name)));
    }

    /** A guard, named as a question. */
    static final class Question implements Guard<RoundState, RoundEvent> {
        private final String name;
        private final Predicate<StateContext<RoundState, RoundEvent>> test;

        Question(String name, Predicate<StateContext<RoundState, RoundEvent>> test) {
            this.name = name;
            this.test = test;
        }

        @Override
        public boolean evaluate(StateContext<RoundState, RoundEvent> c) {
            return test.test(c);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** An action, named by its verb; one that throws is logged and counted before Spring Statemachine swallows it. */
    static final class Verb implements Action<RoundState, RoundEvent> {
        private final String name;
        private final Consumer<StateContext<RoundState, RoundEvent>> body;

        Verb(String name, Consumer<StateContext<RoundState, RoundEvent>> body) {
            this.name = name;
            this.body = body;
        }

        /** The actions of a choice branch, which takes one, as one. */
        static Action<RoundState, RoundEvent> inOrder(List<Verb> verbs) {
            if (verbs.size() == 1) {
                return verbs.get(0);
            }
            return c -> verbs.forEach(v -> v.execute(c));
        }

        @Override
        public void execute(StateContext<RoundState, RoundEvent> c) {
            try {
                body.accept(c);
            } catch (RuntimeException | Error e) {
                // Spring Statemachine would cancel the transition without a word; say it loudly.
                LOG.error("round machine action {} failed on {}", name, c.getEvent(), e);
                context(c).actionFailures++;
                throw e;
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
