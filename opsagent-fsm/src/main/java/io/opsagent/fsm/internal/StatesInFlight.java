package io.opsagent.fsm.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the states handed to an executor whose result has not come back yet, cancelled ones
 * included: a cancelled state's result comes once its process tree is gone. Lets a stop, and
 * the next state of a round, wait for that. Thread-safe: results come on executor threads.
 */
final class StatesInFlight {

    private final List<Runnable> whenNone = new ArrayList<>();
    private int count;

    /** Counts a state that starts; run the returned action when its result comes (once is enough). */
    Runnable started() {
        synchronized (this) {
            count++;
        }
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                finished();
            }
        };
    }

    private void finished() {
        List<Runnable> due;
        synchronized (this) {
            count--;
            if (count > 0) {
                return;
            }
            due = List.copyOf(whenNone);
            whenNone.clear();
        }
        due.forEach(Runnable::run);
    }

    /** Whether no state is in flight now. */
    synchronized boolean none() {
        return count == 0;
    }

    /** Runs {@code action} once no state is in flight: now, on this thread, or on the thread of the last result. */
    void whenNone(Runnable action) {
        synchronized (this) {
            if (count > 0) {
                whenNone.add(action);
                return;
            }
        }
        action.run();
    }
}
