package io.opsagent.fsm.testing;

import io.opsagent.fsm.Cancellable;
import io.opsagent.fsm.EventLoop;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;

/**
 * An {@link EventLoop} for tests: nothing runs until the test asks, and time moves only when the
 * test advances it. Tasks may be posted from any thread; they run on the thread that calls
 * {@link #runUntilIdle()} or {@link #advance(Duration)}, which counts as the loop's thread.
 */
public final class ManualEventLoop implements EventLoop {

    private final Queue<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(Comparator.comparingLong((Timer t) -> t.due).thenComparingLong(t -> t.order));
    private long now;
    private long order;
    private boolean shutdown;
    private Thread runner;

    private static final class Timer {
        final long due;
        final long order;
        final Runnable task;
        boolean cancelled;

        Timer(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }
    }

    @Override
    public synchronized void execute(Runnable task) {
        if (!shutdown) {
            ready.add(task);
        }
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        if (shutdown) {
            return Cancellable.NONE;
        }
        Timer timer = new Timer(now + Math.max(0, delay.toNanos()), order++, task);
        timers.add(timer);
        return () -> {
            synchronized (ManualEventLoop.this) {
                timer.cancelled = true;
                timers.remove(timer);
            }
        };
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized boolean inLoop() {
        return runner == null || Thread.currentThread() == runner;
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        ready.clear();
        timers.clear();
    }

    /** Runs posted tasks (and the tasks they post) until none is left; returns how many ran. */
    public int runUntilIdle() {
        int ran = 0;
        while (true) {
            Runnable task;
            synchronized (this) {
                task = ready.poll();
                if (task == null) {
                    return ran;
                }
                runner = Thread.currentThread();
            }
            try {
                task.run();
            } finally {
                synchronized (this) {
                    runner = null;
                }
            }
            ran++;
        }
    }

    /** Moves time forward by {@code duration}, running every timer that falls due, in order. */
    public void advance(Duration duration) {
        long target;
        synchronized (this) {
            target = now + duration.toNanos();
        }
        runUntilIdle();
        while (true) {
            Timer next;
            synchronized (this) {
                next = timers.peek();
                if (next == null || next.due > target) {
                    now = target;
                    break;
                }
                timers.poll();
                now = next.due;
            }
            execute(next.task);
            runUntilIdle();
        }
        runUntilIdle();
    }

    /** How long until the next timer falls due, or null when none is scheduled. */
    public synchronized Duration nextTimerIn() {
        Timer next = timers.peek();
        return next == null ? null : Duration.ofNanos(next.due - now);
    }

    /** Advances time exactly to the next timer and runs it; fails when none is scheduled. */
    public Duration advanceToNextTimer() {
        Duration d = nextTimerIn();
        if (d == null) {
            throw new IllegalStateException("no timer is scheduled");
        }
        advance(d);
        return d;
    }

    /** The current time since the loop was created. */
    public synchronized Duration elapsed() {
        return Duration.ofNanos(now);
    }
}
