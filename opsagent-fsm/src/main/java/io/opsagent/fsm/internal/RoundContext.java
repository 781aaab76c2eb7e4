package io.opsagent.fsm.internal;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.Cancellable;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.RoundEvent;
import io.opsagent.fsm.RoundListener;
import io.opsagent.fsm.internal.store.PersistedRound;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.RecipeMetadata;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.protocol.StateDone;
import io.opsagent.fsm.protocol.StateLog;
import io.opsagent.fsm.spi.MessageSink;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.spi.Upgrader;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The data of one agent's round machine and the operations its actions perform. Owned by the
 * agent's event loop: every method runs on that thread.
 *
 * <p>Asynchronous work (an executor's result, a timer, an upgrade's outcome) carries a token;
 * when it comes back to the loop, a token that no longer matches means the work was superseded
 * (a new recipe, a timeout, a stop), and its result is dropped and counted instead of reaching
 * the machine.
 */
final class RoundContext {

    private static final Logger LOG = LogManager.getLogger(RoundContext.class);

    /** Posts an event to the machine as a new event-loop task; callable from any thread. */
    interface EventPoster {
        void post(RoundEvent event, Object input);
    }

    /** The id of the StateLog that reports a failed upgrade: {@code agent-upgrade:<version>}. */
    static final String UPGRADE_LOG_ID = "agent-upgrade:";

    /**
     * The outcome of the current state, with the token of the run it belongs to; {@code reported}
     * when its StateLog went out already (a state that completed at once, see {@link #passCurrentState}).
     */
    record Completion(long token, StateResult result, boolean reported) {
        Completion(long token, StateResult result) {
            this(token, result, false);
        }
    }

    private final EventLoop loop;
    private final StateExecutor executor;
    private final MessageSink sink;
    private final AgentIdentity identity;
    private final RoundSettings settings;
    private final RandomGenerator random;
    private final Upgrader upgrader;
    private final RoundListener listener;
    private EventPoster poster;

    /** The input of the event being dispatched (a recipe, a release, a completion...). */
    Object input;

    private long recipeVersion;
    private List<RecipeState> states = List.of();
    private final Set<String> released = new HashSet<>();
    /** Said first in the next StateLog (what was killed before a resumed state ran again), or null. */
    private String resumeNote;
    /** The state whose next StateLog gets {@link #resumeNote}; null: the next StateLog of any state. */
    private String resumeNoteStateId;
    private int index;
    private int attempt = 1;
    private long round;
    private int consecutiveFailedRounds;
    private boolean lastRoundFailed;

    private long nextToken = 1;
    private long activeToken;
    private StateExecution running;
    private final StatesInFlight inFlight = new StatesInFlight();
    private Cancellable stateTimer = Cancellable.NONE;
    private long stateStartedNanos;

    private long timerToken;
    private Cancellable timer = Cancellable.NONE;
    /** The loop time the round timer (interval, backoff) fires at; 0 when none is set. Read from any thread. */
    private volatile long timerDueNanos;

    private AgentUpdate pendingUpgrade;
    private boolean recipeKeptDuringUpgrade;

    long lateResults;
    long actionFailures;
    /** Whether something worth keeping across a restart changed since the last save. */
    boolean dirty;

    RoundContext(
            EventLoop loop,
            StateExecutor executor,
            MessageSink sink,
            AgentIdentity identity,
            RoundSettings settings,
            RandomGenerator random,
            Upgrader upgrader,
            RoundListener listener) {
        this.loop = loop;
        this.executor = executor;
        this.sink = sink;
        this.identity = identity;
        this.settings = settings;
        this.random = random;
        this.upgrader = upgrader;
        this.listener = listener;
    }

    void setPoster(EventPoster poster) {
        this.poster = poster;
    }

    // ------------------------------------------------------------------ queries (guards)

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
        return activeToken != 0 && index < states.size() ? states.get(index).id() : null;
    }

    String currentStateModule() {
        return activeToken != 0 && index < states.size() ? states.get(index).module() : null;
    }

    boolean hasStates() {
        return !states.isEmpty();
    }

    /** Whether the incoming recipe leaves the agent with states to run. */
    boolean recipeHasStates() {
        RecipeMetadata recipe = (RecipeMetadata) input;
        return recipe.states().map(list -> !list.isEmpty()).orElse(hasStates());
    }

    boolean moreStatesLeft() {
        return index + 1 < states.size();
    }

    boolean upgradeRequested() {
        return pendingUpgrade != null;
    }

    boolean inFirstAttempt() {
        return attempt == 1;
    }

    boolean releasesCurrentWait() {
        StateDone done = (StateDone) input;
        return index < states.size() && states.get(index).id().equals(done.id());
    }

    boolean currentWaitReleased() {
        return index < states.size() && released.contains(states.get(index).id());
    }

    boolean recipeKeptDuringUpgrade() {
        return recipeKeptDuringUpgrade;
    }

    boolean lastRoundFailed() {
        return lastRoundFailed;
    }

    /** Whether a completion or wait notice belongs to the state now running; consumes the token. */
    boolean acceptCompletion(long token) {
        if (token == 0 || token != activeToken) {
            lateResults++;
            return false;
        }
        activeToken = 0;
        running = null;
        stateTimer.cancel();
        stateTimer = Cancellable.NONE;
        return true;
    }

    /** Whether a wait notice belongs to the state now running; the token stays active. */
    boolean isActive(long token) {
        return token != 0 && token == activeToken;
    }

    boolean acceptTimer(long token) {
        return token != 0 && token == timerToken;
    }

    // ------------------------------------------------------------------ actions

    /** Takes the incoming recipe as the loaded one; releases of the previous version are forgotten. */
    void loadRecipe() {
        dirty = true;
        RecipeMetadata recipe = (RecipeMetadata) input;
        cancelTimer();
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
    void keepRecipe() {
        loadRecipe();
        recipeKeptDuringUpgrade = true;
    }

    void startRound() {
        dirty = true;
        cancelTimer();
        round++;
        index = 0;
        attempt = 1;
        LOG.info("round {} of recipe version {} starts ({} state(s))", round, recipeVersion, states.size());
        runCurrentState();
    }

    /** A state failed in the first attempt: start again from the first state, at once. */
    void restartRound() {
        dirty = true;
        attempt = 2;
        index = 0;
        LOG.info("round {} of recipe version {}: retrying from the first state", round, recipeVersion);
        runCurrentState();
    }

    void runNextState() {
        dirty = true;
        index++;
        runCurrentState();
    }

    /** Starts the state at {@code index}; one that completes at once is passed (see {@link #passCurrentState}). */
    void runCurrentState() {
        if (startCurrentState()) {
            passCurrentState();
        }
    }

    /**
     * Starts the state at {@code index}: an executor's state starts running, a held wait is
     * reported to the machine. Returns true for a state that completes at once without running
     * anything: a comment, or a wait the backend released already.
     */
    private boolean startCurrentState() {
        RecipeState state = states.get(index);
        long token = nextToken++;
        activeToken = token;
        stateStartedNanos = loop.nanoTime();
        listener.stateStarted(recipeVersion, index, state);
        if (state.isComment() || (state.isWait() && released.contains(state.id()))) {
            return true;
        }
        if (state.isWait()) {
            poster.post(RoundEvent.WAIT_REACHED, token);
        } else {
            execute(state, token);
        }
        return false;
    }

    /**
     * The current state completed at once (a comment, a released wait): its StateLog goes out
     * now and the round moves on to the next state within the action that got here, so a push or
     * a release answers after one dispatch of the machine instead of one per such state. Only
     * the last state's completion is posted to the machine (already reported), whose table then
     * ends the round as for any other last state.
     */
    void passCurrentState() {
        do {
            StateResult passed = StateResult.unchanged(null);
            report(passed);
            if (!moreStatesLeft()) {
                poster.post(RoundEvent.STATE_SUCCEEDED, new Completion(activeToken, passed, true));
                return;
            }
            dirty = true;
            index++;
        } while (startCurrentState());
    }

    private void execute(RecipeState state, long token) {
        Duration timeout = settings.stateTimeout();
        StateRequest request = new StateRequest(recipeVersion, state, settings.dryRun(), timeout);
        Runnable landed = inFlight.started();
        try {
            running = executor.start(request, result -> {
                landed.run();
                poster.post(result.success() ? RoundEvent.STATE_SUCCEEDED : RoundEvent.STATE_FAILED,
                        new Completion(token, result));
            });
        } catch (RuntimeException e) {
            landed.run();
            LOG.error("executor failed to start state {}", state.id(), e);
            poster.post(RoundEvent.STATE_FAILED, new Completion(token,
                    StateResult.failed("executor failed to start the state: " + e, null)));
            return;
        }
        stateTimer = loop.schedule(timeout, () -> timeOut(state, token, timeout));
    }

    private void timeOut(RecipeState state, long token, Duration timeout) {
        if (token != activeToken) {
            return;
        }
        cancelRunning();
        activeToken = token;
        String comment = "state " + state.id() + " timed out after " + describe(timeout)
                + " (attempt " + attempt + " of round " + round + ")";
        LOG.warn(comment);
        poster.post(RoundEvent.STATE_FAILED, new Completion(token, StateResult.failed(comment, null)));
    }

    /** Sends the StateLog of the state that just completed, unless it went out already. */
    void reportResult() {
        Completion completion = (Completion) input;
        if (!completion.reported()) {
            report(completion.result());
        }
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
        long duration = loop.nanoTime() - stateStartedNanos;
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

    /** Every state succeeded: schedule the next round after the round interval. */
    void finishRound() {
        dirty = true;
        consecutiveFailedRounds = 0;
        lastRoundFailed = false;
        LOG.info("round {} of recipe version {} succeeded", round, recipeVersion);
        listener.roundFinished(recipeVersion, round, true);
    }

    void scheduleNextRound() {
        if (hasStates()) {
            startTimer(settings.roundInterval());
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
        startTimer(delay);
    }

    /** A new recipe or a stop: the running state is killed and its result will be ignored. */
    void cancelRound() {
        if (activeToken != 0) {
            String why = input instanceof RecipeMetadata next
                    ? "recipe version " + next.recipeVersion() + " arrived"
                    : "the agent stopped";
            LOG.info("round {} of recipe version {} cut short at state {} of {}: {}", round, recipeVersion,
                    index + 1, states.size(), why);
            listener.roundCutShort(recipeVersion, round, why);
        }
        cancelRunning();
        cancelTimer();
    }

    void rememberRelease() {
        dirty = true;
        StateDone done = (StateDone) input;
        if (released.add(done.id())) {
            LOG.info("wait state {} of recipe version {} released", done.id(), recipeVersion);
        }
    }

    /** The backend released the held wait: it completes as a success. */
    void releaseWait() {
        rememberRelease();
        passCurrentState();
    }

    /** The wait just reached was released meanwhile: it completes as a success. */
    void passReleasedWait() {
        passCurrentState();
    }

    void rememberUpgrade() {
        dirty = true;
        AgentUpdate order = (AgentUpdate) input;
        if (pendingUpgrade != null) {
            LOG.info("upgrade to {} replaces the pending upgrade to {}", order.version(), pendingUpgrade.version());
        } else {
            LOG.info("upgrade to {} ordered; it runs when no round is running", order.version());
        }
        pendingUpgrade = order;
        listener.upgradeOrdered(order);
    }

    void startUpgrade() {
        cancelTimer();
        AgentUpdate order = pendingUpgrade;
        recipeKeptDuringUpgrade = false;
        if (upgrader == null) {
            poster.post(RoundEvent.UPGRADE_FAILED, "no upgrader is configured");
            return;
        }
        LOG.info("upgrading to {} (url {})", order.version(), order.url());
        Upgrader.UpgradeCallback callback = new Upgrader.UpgradeCallback() {
            @Override
            public void finished() {
                poster.post(RoundEvent.UPGRADE_FINISHED, order);
            }

            @Override
            public void failed(String reason) {
                poster.post(RoundEvent.UPGRADE_FAILED, reason);
            }
        };
        try {
            upgrader.upgrade(order, callback);
        } catch (RuntimeException e) {
            LOG.error("upgrader failed to start", e);
            poster.post(RoundEvent.UPGRADE_FAILED, "upgrader failed to start: " + e);
        }
    }

    void finishUpgrade() {
        dirty = true;
        LOG.info("upgrade to {} installed; this agent stops", pendingUpgrade == null ? "?" : pendingUpgrade.version());
        pendingUpgrade = null;
    }

    /** The upgrade failed: said in the log and, when a recipe is loaded, to the backend as a failed StateLog. */
    void abandonUpgrade() {
        dirty = true;
        reportUpgradeFailure(pendingUpgrade == null ? "?" : pendingUpgrade.version(), String.valueOf(input));
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

    /**
     * Runs {@code action} once every state handed to the executor has reported, a cancelled one
     * included (its process tree is then gone): at once, or on the executor's thread.
     */
    void whenNoStateRuns(Runnable action) {
        inFlight.whenNone(action);
    }

    void shutDown() {
        cancelRound();
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

    /** After a restart: the round goes on at the kept position. */
    void resumeRound() {
        dirty = true;
        cancelTimer();
        round++;
        runCurrentState();
    }

    // ------------------------------------------------------------------ helpers

    private void cancelRunning() {
        StateExecution execution = running;
        running = null;
        activeToken = 0;
        stateTimer.cancel();
        stateTimer = Cancellable.NONE;
        if (execution != null) {
            try {
                execution.cancel();
            } catch (RuntimeException e) {
                LOG.error("cancelling the running state failed", e);
            }
        }
    }

    private void startTimer(Duration delay) {
        cancelTimer();
        long token = ++timerToken;
        timerDueNanos = Math.max(1, loop.nanoTime() + delay.toNanos());
        timer = loop.schedule(delay, () -> poster.post(RoundEvent.TIMER_FIRED, token));
    }

    private void cancelTimer() {
        timer.cancel();
        timer = Cancellable.NONE;
        timerDueNanos = 0;
        timerToken++;
    }

    /** The loop time the round timer fires at, 0 when none is set; safe from any thread. */
    long timerDueNanos() {
        return timerDueNanos;
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return ms + " ms";
    }
}
