package io.opsagent.fsm;

import java.time.Duration;

/**
 * The single thread that owns an agent's state: every input (a frame from the backend, an
 * executor's result, a timer) is posted here and handled one at a time, in order.
 *
 * <p>It is also the agent's only source of time, so tests can run an agent on a
 * {@link io.opsagent.fsm.testing.ManualEventLoop} and advance time by hand instead of sleeping.
 */
public interface EventLoop {

    /** Runs {@code task} on the loop, after the tasks posted before it. Callable from any thread. */
    void execute(Runnable task);

    /** Runs {@code task} on the loop once {@code delay} has passed. Callable from any thread. */
    Cancellable schedule(Duration delay, Runnable task);

    /** Monotonic time in nanoseconds, for measuring durations. */
    long nanoTime();

    /** Whether the calling thread is the loop's thread. */
    boolean inLoop();

    /** Stops the loop; tasks not yet run are dropped. Idempotent. */
    void shutdown();
}
