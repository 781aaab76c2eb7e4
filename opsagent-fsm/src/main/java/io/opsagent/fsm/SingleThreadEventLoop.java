package io.opsagent.fsm;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** The production {@link EventLoop}: one daemon thread and the JVM's monotonic clock. */
public final class SingleThreadEventLoop implements EventLoop {

    private static final Logger LOG = LogManager.getLogger(SingleThreadEventLoop.class);

    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    /** A loop whose thread is called {@code name}. */
    public SingleThreadEventLoop(String name) {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public void execute(Runnable task) {
        try {
            executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            LOG.debug("event loop is shut down; dropped a task");
        }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        try {
            Future<?> f = executor.schedule(guarded(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            LOG.debug("event loop is shut down; dropped a timer");
            return Cancellable.NONE;
        }
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void shutdown() {
        executor.shutdownNow();
    }

    /** Waits up to {@code timeout} for the loop's thread to finish after {@link #shutdown()}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("uncaught exception on the event loop; the loop goes on", e);
            }
        };
    }
}
