package io.opsagent.fsm.internal;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.internal.RoundInput.RecipeArrived;
import io.opsagent.fsm.internal.RoundInput.StateCompleted;
import io.opsagent.fsm.internal.RoundInput.StateTimedOut;
import io.opsagent.fsm.internal.RoundInput.UpgradeFailed;
import io.opsagent.fsm.internal.RoundInput.UpgradeFinished;
import io.opsagent.fsm.internal.RoundInput.UpgradeOrdered;
import io.opsagent.fsm.internal.RoundInput.WaitReleased;
import io.opsagent.fsm.internal.store.PersistedRound;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.spi.MessageSink;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.spi.Upgrader;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The data of one agent's round — the recipe, the position in it, the attempt, the released
 * waits, a pending upgrade — and the questions and operations the machine's guards and actions
 * are made of. Running the current state (the executor, the timeout, cancelling) is the
 * {@link StateRunner}'s. Owned by the agent's event loop: every method runs on that thread.
 */
final class RoundContext {

    private static final Logger LOG = LogManager.getLogger(RoundContext.class);

    /** The id of the StateLog that reports a failed upgrade: {@code agent-upgrade:<version>}. */
    static final String UPGRADE_LOG_ID = "agent-upgrade:";

    private final StateRunner runner;
    private final MessageSink sink;
    private final AgentIdentity identity;
    private final RoundSettings settings;
    private final RandomGenerator random;
    private final Upgrader upgrader;
    private final RoundListener listener;
    private final Consumer<RoundInput> poster;

    private long recipeVersion;
    private List<RecipeState> states = List.of();
    private final Set<String> released = new HashSet<>();
    /** Said first in the next StateLog (what was killed before a resumed state ran again), or null. */
    private String resumeNote;
    /** The state whose next StateLog gets {@link #resumeNote}; null: the next StateLog of any state. */
    private String resumeNoteStateId;
    private int index;
    /** 1 in the first attempt of a round, 2 in the retry; the machine's EXECUTING or RETRYING follows from it. */
    private int attempt = 1;
    private long round;
    private int consecutiveFailedRounds;
    private boolean lastRoundFailed;

    private AgentUpdate pendingUpgrade;
    private boolean recipeKeptDuringUpgrade;

    long repeatedRecipes;
    long unknownWaitReleases;
    long actionFailures;
    /** Whether something worth keeping across a restart changed since the last save. */
    boolean dirty;

    RoundContext(
            StateRunner runner,
            MessageSink sink,
            AgentIdentity identity,
            RoundSettings settings,
            RandomGenerator random,
            Upgrader upgrader,
            RoundListener listener,
            Consumer<RoundInput> poster) {
        this.runner = runner;
        this.sink = sink;
        this.identity = identity;
        this.settings = settings;
        this.random = random;
        this.upgrader = upgrader;
        this.listener = listener;
        this.poster = poster;
    }

    // ------------------------------------------------------------------ what the snapshot shows

    long recipeVersion() {
        return recipeVersion;
    }

    List<RecipeState> states() {
        return states;
    }

    int index() {
        return index;
    }

    int attempt() {
        return attempt;
    }

    long round() {
        return round;
    }

    int consecutiveFailedRounds() {
        return consecutiveFailedRounds;
    }

    AgentUpdate pendingUpgrade() {
        return pendingUpgrade;
    }

    String currentStateId() {
        return runner.hasCurrent() && index < states.size() ? states.get(index).id() : null;
    }

    String currentStateModule() {
        return runner.hasCurrent() && index < states.size() ? states.get(index).module() : null;
    }

    boolean hasStates() {
        return !states.isEmpty();
    }

    // ------------------------------------------------------------------ questions (guards)

    boolean sameVersionAsLoaded(RecipeArrived in) {
        return in.recipe().recipeVersion() == recipeVersion;
    }

    boolean newVersion(RecipeArrived in) {
        return !sameVersionAsLoaded(in);
    }

    /** A new version with a non-empty state list. */
    boolean recipeHasStates(RecipeArrived in) {
        return newVersion(in) && in.recipe().states().map(list -> !list.isEmpty()).orElse(false);
    }

    /** A new version with {@code state: []}. */
    boolean recipeIsEmpty(RecipeArrived in) {
        return newVersion(in) && in.recipe().states().map(List::isEmpty).orElse(false);
    }

    /** A new version without a state list, while states are loaded: they restart under the new version. */
    boolean headerOnlyWithStatesLoaded(RecipeArrived in) {
        return newVersion(in) && in.recipe().isHeaderOnly() && hasStates();
    }

    /** A new version without a state list, and no states loaded: nothing to run. */
    boolean headerOnlyWithNoStatesLoaded(RecipeArrived in) {
        return newVersion(in) && in.recipe().isHeaderOnly() && !hasStates();
    }

    /** After the current state, the round goes on with one the executor runs (not a comment, not a wait). */
    boolean nextStateRuns() {
        int next = index + 1;
        return next < states.size() && !states.get(next).isComment() && !states.get(next).isWait();
    }

    boolean nextStateDoesNotRun() {
        return !nextStateRuns();
    }

    boolean noStatesLeftAndNoUpgrade() {
        return index >= states.size() && pendingUpgrade == null;
    }

    boolean noStatesLeftAndUpgradeRequested() {
        return index >= states.size() && pendingUpgrade != null;
    }

    /** The current state runs nothing and completes at once: a comment, or a wait released before. */
    boolean completesAtOnce() {
        return completesAtOnce(states.get(index));
    }

    private boolean completesAtOnce(RecipeState state) {
        return state.isComment() || (state.isWait() && released.contains(state.id()));
    }

    /** The current state is a wait the backend has not released. */
    boolean waitHeld() {
        RecipeState state = states.get(index);
        return state.isWait() && !released.contains(state.id());
    }

    boolean inFirstAttempt() {
        return attempt == 1;
    }

    boolean upgradeRequested() {
        return pendingUpgrade != null;
    }

    boolean noUpgradeRequested() {
        return pendingUpgrade == null;
    }

    boolean retryAndNoUpgradeRequested() {
        return attempt != 1 && pendingUpgrade == null;
    }

    boolean retryAndUpgradeRequested() {
        return attempt != 1 && pendingUpgrade != null;
    }

    boolean releasesHeldWait(WaitReleased in) {
        return index < states.size() && states.get(index).id().equals(in.done().id());
    }

    boolean releasesAnotherWait(WaitReleased in) {
        return !releasesHeldWait(in);
    }

    boolean newRecipeKeptDuringUpgrade() {
        return recipeKeptDuringUpgrade && hasStates();
    }

    boolean lastRoundCeased() {
        return !newRecipeKeptDuringUpgrade() && lastRoundFailed && hasStates();
    }

    boolean nothingToResume() {
        return !newRecipeKeptDuringUpgrade() && !(lastRoundFailed && hasStates());
    }

    // ------------------------------------------------------------------ actions: recipes and rounds

    /** A push of the version already loaded (a reconnect's re-push): nothing changes. */
    void ignoreRecipe(RecipeArrived in) {
        repeatedRecipes++;
        LOG.info("recipe version {} is already loaded; ignored", in.recipe().recipeVersion());
    }

    /** Takes the incoming recipe as the loaded one; releases of the previous version are forgotten. */
    void loadRecipe(RecipeArrived in) {
        dirty = true;
        RecipeMetadata recipe = in.recipe();
        runner.cancelTimer();
        recipeVersion = recipe.recipeVersion();
        recipe.states().ifPresent(list -> states = list);
        released.clear();
        index = 0;
        attempt = 1;
        consecutiveFailedRounds = 0;
        lastRoundFailed = false;
        LOG.info("loaded recipe version {} with {} state(s){}", recipeVersion, states.size(),
                recipe.isHeaderOnly() ? " (header-only: the current states restart under the new version)" : "");
    }

    /** While an upgrade is under way: keep the recipe for whichever version runs next. */
    void keepRecipe(RecipeArrived in) {
        loadRecipe(in);
        recipeKeptDuringUpgrade = true;
    }

    /** A round starts at its first state; the machine's choice then reaches it. */
    void startRound() {
        dirty = true;
        runner.cancelTimer();
        round++;
        index = 0;
        attempt = 1;
        LOG.info("round {} of recipe version {} starts ({} state(s))", round, recipeVersion, states.size());
    }

    /** A state failed in the first attempt: the round starts again from the first state, at once. */
    void restartRound() {
        dirty = true;
        attempt = 2;
        index = 0;
        LOG.info("round {} of recipe version {}: retrying from the first state", round, recipeVersion);
    }

    /** After a restart: the round goes on at the kept state and attempt. */
    void resumeRound() {
        dirty = true;
        runner.cancelTimer();
        round++;
    }

    /** The current state is done: the round moves on to the next one. */
    void advance() {
        dirty = true;
        index++;
    }

    /**
     * Passes the current state and every one after it that completes at once (comments, waits
     * released before), each reported as a success, up to the first state that does not or the
     * end of the round. One action rather than one choice per state: Spring Statemachine nests
     * a chain of choices on the stack, a few kilobytes per link.
     */
    void passStates() {
        do {
            reachCurrent();
            runner.passed();
            report(StateResult.unchanged(null));
            advance();
        } while (index < states.size() && completesAtOnce(states.get(index)));
    }

    /** The current state is a wait the backend has not released: the round holds until it does, or the timeout. */
    void holdWait() {
        reachCurrent();
        runner.hold(settings.stateTimeout());
    }

    /** Hands the current state to the executor. */
    void runState() {
        reachCurrent();
        RecipeState state = states.get(index);
        runner.run(new StateRequest(recipeVersion, state, settings.dryRun(), settings.stateTimeout()), label(state));
    }

    private void reachCurrent() {
        runner.reach();
        listener.stateStarted(recipeVersion, index, states.get(index));
    }

    /** Sends the StateLog of the state the executor completed. */
    void reportResult(StateCompleted in) {
        report(in.result());
    }

    /** The held wait was released: it completes as a success, and the round moves on. */
    void passHeldWait(WaitReleased in) {
        rememberRelease(in);
        runner.passed();
        report(StateResult.unchanged(null));
        advance();
    }

    /** The current state ran out of time: it is killed, and reported as failed with a comment that says so. */
    void stopTimedOutState(StateTimedOut in) {
        RecipeState state = states.get(index);
        runner.cancel(label(state));
        String comment = (state.isWait() ? "wait state " + state.id() + " was not released within "
                : "state " + state.id() + " timed out after ") + describe(in.timeout())
                + " (attempt " + attempt + " of round " + round + ")";
        LOG.warn(comment);
        report(StateResult.failed(comment, null));
    }

    /** A line to put first in the comment of the next StateLog: that of the state resumed after a restart. */
    void noteOnNextResult(String note) {
        noteOnNextResultOf(null, note);
    }

    /** A line to put first in the comment of the next StateLog of state {@code stateId} (null: of any state). */
    void noteOnNextResultOf(String stateId, String note) {
        resumeNote = note;
        resumeNoteStateId = stateId;
    }

    private void report(StateResult result) {
        RecipeState state = states.get(index);
        long duration = runner.sinceReached();
        String comment = result.comment();
        if (resumeNote != null && (resumeNoteStateId == null || resumeNoteStateId.equals(state.id()))) {
            comment = comment == null || comment.isEmpty() ? resumeNote : resumeNote + "\n" + comment;
            resumeNote = null;
        }
        sink.send(new StateLog(identity.instanceId(), identity.appId(), recipeVersion, state.id(),
                result.success(), comment, result.stdout(), null));
        if (!result.success()) {
            LOG.warn("state {} ({}) failed in attempt {} of round {}: {}", state.id(), state.module(), attempt, round,
                    result.comment());
        }
        listener.stateFinished(recipeVersion, index, state, result, duration);
    }

    /** Every state succeeded. */
    void finishRound() {
        dirty = true;
        consecutiveFailedRounds = 0;
        lastRoundFailed = false;
        LOG.info("round {} of recipe version {} succeeded", round, recipeVersion);
        listener.roundFinished(recipeVersion, round, true);
    }

    /** The next round starts after the round interval. */
    void scheduleNextRound() {
        if (hasStates()) {
            runner.startTimer(settings.roundInterval());
        }
    }

    /** The retry attempt failed too: the round ceases. */
    void ceaseRound() {
        dirty = true;
        consecutiveFailedRounds++;
        lastRoundFailed = true;
        LOG.warn("round {} of recipe version {} ceased after a failure in its retry attempt ({} in a row)", round,
                recipeVersion, consecutiveFailedRounds);
        listener.roundFinished(recipeVersion, round, false);
    }

    void scheduleBackoff() {
        Duration delay = settings.backoff().delay(Math.max(1, consecutiveFailedRounds), random);
        LOG.info("retrying recipe version {} in {}", recipeVersion, describe(delay));
        runner.startTimer(delay);
    }

    /** A new recipe: the running state is killed and its result will be ignored. */
    void cancelRound(RecipeArrived in) {
        cutShort("recipe version " + in.recipe().recipeVersion() + " arrived");
    }

    private void cutShort(String why) {
        if (runner.hasCurrent()) {
            LOG.info("round {} of recipe version {} cut short at state {} of {}: {}", round, recipeVersion,
                    index + 1, states.size(), why);
            listener.roundCutShort(recipeVersion, round, why);
        }
        runner.cancel(index < states.size() ? label(states.get(index)) : "state");
        runner.cancelTimer();
    }

    // ------------------------------------------------------------------ actions: releases and upgrades

    void rememberRelease(WaitReleased in) {
        dirty = true;
        String id = in.done().id();
        if (states.stream().noneMatch(s -> s.isWait() && s.id().equals(id))) {
            unknownWaitReleases++;
            LOG.debug("release of {}, which is no wait state of recipe version {}; remembered", id, recipeVersion);
        }
        if (released.add(id)) {
            LOG.info("wait state {} of recipe version {} released", id, recipeVersion);
        }
    }

    void rememberUpgrade(UpgradeOrdered in) {
        dirty = true;
        AgentUpdate order = in.order();
        if (pendingUpgrade != null) {
            LOG.info("upgrade to {} replaces the pending upgrade to {}", order.version(), pendingUpgrade.version());
        } else {
            LOG.info("upgrade to {} ordered; it runs when no round is running", order.version());
        }
        pendingUpgrade = order;
        listener.upgradeOrdered(order);
    }

    void startUpgrade() {
        runner.cancelTimer();
        AgentUpdate order = pendingUpgrade;
        recipeKeptDuringUpgrade = false;
        if (upgrader == null) {
            poster.accept(new UpgradeFailed("no upgrader is configured"));
            return;
        }
        LOG.info("upgrading to {} (url {})", order.version(), order.url());
        Upgrader.UpgradeCallback callback = new Upgrader.UpgradeCallback() {
            @Override
            public void finished() {
                poster.accept(new UpgradeFinished(order));
            }

            @Override
            public void failed(String reason) {
                poster.accept(new UpgradeFailed(reason));
            }
        };
        try {
            upgrader.upgrade(order, callback);
        } catch (RuntimeException e) {
            LOG.error("upgrader failed to start", e);
            poster.accept(new UpgradeFailed("upgrader failed to start: " + e));
        }
    }

    void finishUpgrade() {
        dirty = true;
        LOG.info("upgrade to {} installed; this agent stops", pendingUpgrade == null ? "?" : pendingUpgrade.version());
        pendingUpgrade = null;
    }

    /** The upgrade failed: said in the log and, when a recipe is loaded, to the backend as a failed StateLog. */
    void abandonUpgrade(UpgradeFailed in) {
        dirty = true;
        reportUpgradeFailure(pendingUpgrade == null ? "?" : pendingUpgrade.version(), in.reason());
        pendingUpgrade = null;
    }

    /** Says that the upgrade to {@code version} failed, in the log and, with a recipe loaded, in a failed StateLog. */
    void reportUpgradeFailure(String version, String why) {
        String reason = "upgrade to " + version + " failed: " + why;
        LOG.warn(reason);
        if (recipeVersion > 0) {
            sink.send(new StateLog(identity.instanceId(), identity.appId(), recipeVersion, UPGRADE_LOG_ID + version,
                    false, reason, null, null));
        }
    }

    void shutDown() {
        cutShort("the agent stopped");
        LOG.info("round machine stopped");
    }

    // ------------------------------------------------------------------ persistence

    /** What to keep on disk now; null when no recipe was ever loaded. */
    PersistedRound persisted(boolean inRound) {
        if (recipeVersion == 0) {
            return null;
        }
        return new PersistedRound(RecipeMetadata.of(recipeVersion, states), inRound ? index : 0,
                inRound ? attempt : 1, inRound, released, consecutiveFailedRounds, pendingUpgrade);
    }

    /** Takes back what was kept on disk before a restart. */
    void restore(PersistedRound saved) {
        recipeVersion = saved.recipe().recipeVersion();
        states = saved.recipe().states().orElse(List.of());
        released.clear();
        released.addAll(saved.released());
        index = saved.index();
        attempt = saved.attempt();
        consecutiveFailedRounds = saved.consecutiveFailedRounds();
        lastRoundFailed = consecutiveFailedRounds > 0;
        pendingUpgrade = saved.pendingUpgrade();
        LOG.info("resuming recipe version {} at state {} of {} (attempt {}) after a restart", recipeVersion,
                index + 1, states.size(), attempt);
    }

    // ------------------------------------------------------------------ helpers

    private static String label(RecipeState state) {
        return "state " + state.id() + " (" + state.module() + ")";
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return ms + " ms";
    }
}
