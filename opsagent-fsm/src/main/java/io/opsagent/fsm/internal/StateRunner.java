package io.opsagent.fsm.internal;

import io.opsagent.fsm.Cancellable;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.internal.RoundInput.StateCompleted;
import io.opsagent.fsm.internal.RoundInput.StateTimedOut;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs the current state of a round for the machine: hands it to the executor, keeps its timeout
 * (the one place the state timeout is enforced), cancels it, and tells whether a result, a
 * timeout or a timer belongs to the state or timer now current. Owned by the agent's event loop.
 *
 * <p>Each state reached gets a token; everything that comes back for it (the executor's result,
 * its timeout) carries that token. A token that is no longer current means the work was
 * superseded (a new recipe, a timeout, a stop): its input is stale and never reaches the machine.
 *
 * <p>A cancelled state's process tree dies after the cancel returns. The next state handed to
 * the executor starts only once every cancelled state has reported (its tree is gone), so the two
 * never overlap; the next state's timeout runs from the moment it is reached, so an executor that
 * never reports a cancelled state makes the next one time out instead of holding the round forever.
 */
final class StateRunner {

    private static final Logger LOG = LogManager.getLogger(StateRunner.class);

    private final EventLoop loop;
    private final StateExecutor executor;
    private final Consumer<RoundInput> poster;
    private final StatesInFlight inFlight = new StatesInFlight();

    private long nextToken = 1;
    private long activeToken;
    private StateExecution running;
    private Cancellable timeout = Cancellable.NONE;
    private long reachedNanos;
    /** The label of the state cancelled last, while its result has not come: what a deferred start waits for. */
    private String cancelledLabel;

    private long timerToken;
    private Cancellable timer = Cancellable.NONE;
    /** The loop time the round timer (interval, backoff) fires at; 0 when none is set. Read from any thread. */
    private volatile long timerDueNanos;

    long staleResults;
    long staleTimeouts;
    long staleTimers;

    StateRunner(EventLoop loop, StateExecutor executor, Consumer<RoundInput> poster) {
        this.loop = loop;
        this.executor = executor;
        this.poster = poster;
    }

    // ------------------------------------------------------------------ the current state

    /** A state of the round is reached: it becomes the current one. */
    void reach() {
        activeToken = nextToken++;
        reachedNanos = loop.nanoTime();
    }

    /** Whether a state is current (reached and not yet completed, timed out or cancelled). */
    boolean hasCurrent() {
        return activeToken != 0;
    }

    /** Nanoseconds since the current (or last) state was reached. */
    long sinceReached() {
        return loop.nanoTime() - reachedNanos;
    }

    /** The current state completed without running anything (a comment, a released wait). */
    void passed() {
        activeToken = 0;
    }

    /** Holds the current state (a wait) until an event ends it, or its timeout. */
    void hold(Duration limit) {
        startTimeout(limit);
    }

    /**
     * Hands the current state to the executor, now, or once every cancelled state has reported;
     * {@code label} names it in the log.
     */
    void run(StateRequest request, String label) {
        long token = activeToken;
        startTimeout(request.timeout());
        if (inFlight.none()) {
            start(request, token);
            return;
        }
        LOG.info("{} starts once the cancelled {} has ended", label, cancelledLabel);
        inFlight.whenNone(() -> loop.execute(() -> {
            if (token == activeToken && running == null) {
                start(request, token);
            }
        }));
    }

    private void start(StateRequest request, long token) {
        Runnable landed = inFlight.started();
        try {
            running = executor.start(request, result -> {
                landed.run();
                poster.accept(new StateCompleted(token, result));
            });
        } catch (RuntimeException e) {
            landed.run();
            LOG.error("executor failed to start state {}", request.state().id(), e);
            poster.accept(new StateCompleted(token, StateResult.failed("executor failed to start the state: " + e, null)));
        }
    }

    private void startTimeout(Duration limit) {
        long token = activeToken;
        timeout.cancel();
        timeout = loop.schedule(limit, () -> poster.accept(new StateTimedOut(token, limit)));
    }

    /** Whether an executor's result belongs to the current state; if so, the state is over. */
    boolean acceptResult(long token) {
        if (token == 0 || token != activeToken) {
            staleResults++;
            return false;
        }
        activeToken = 0;
        running = null;
        cancelTimeout();
        return true;
    }

    /** Whether a timeout belongs to the current state; if so, the state is over but not yet killed. */
    boolean acceptTimeout(long token) {
        if (token == 0 || token != activeToken) {
            staleTimeouts++;
            return false;
        }
        activeToken = 0;
        return true;
    }

    /**
     * Cancels the current (or timed-out) state: its process tree is killed, its result will be
     * stale. Idempotent.
     */
    void cancel(String label) {
        StateExecution execution = running;
        running = null;
        activeToken = 0;
        cancelTimeout();
        if (execution != null) {
            cancelledLabel = label;
            try {
                execution.cancel();
            } catch (RuntimeException e) {
                LOG.error("cancelling {} failed", label, e);
            }
        }
    }

    private void cancelTimeout() {
        timeout.cancel();
        timeout = Cancellable.NONE;
    }

    /**
     * Runs {@code action} once every state handed to the executor has reported, a cancelled one
     * included (its process tree is then gone): at once, or on the executor's thread.
     */
    void whenNoStateRuns(Runnable action) {
        inFlight.whenNone(action);
    }

    // ------------------------------------------------------------------ the round timer

    /** Sets the round timer (interval or backoff), replacing any. */
    void startTimer(Duration delay) {
        cancelTimer();
        long token = ++timerToken;
        timerDueNanos = Math.max(1, loop.nanoTime() + delay.toNanos());
        timer = loop.schedule(delay, () -> poster.accept(new RoundInput.TimerFired(token)));
    }

    void cancelTimer() {
        timer.cancel();
        timer = Cancellable.NONE;
        timerDueNanos = 0;
        timerToken++;
    }

    /** Whether a timer that fell due is the one set last and not called off. */
    boolean acceptTimer(long token) {
        if (token == 0 || token != timerToken) {
            staleTimers++;
            return false;
        }
        return true;
    }

    /** The loop time the round timer fires at, 0 when none is set; safe from any thread. */
    long timerDueNanos() {
        return timerDueNanos;
    }
}
