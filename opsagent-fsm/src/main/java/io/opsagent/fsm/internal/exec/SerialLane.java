package io.opsagent.fsm.internal.exec;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs tasks one at a time, in submission order, on one daemon thread: a task waits its turn
 * while an earlier one runs. Used to keep at most one Salt state run going at a time.
 */
public final class SerialLane {

    private static final Logger LOG = LogManager.getLogger(SerialLane.class);

    private final ExecutorService thread;
    private final AtomicInteger queued = new AtomicInteger();

    /** A lane whose thread is named {@code name-1}. */
    public SerialLane(String name) {
        this.thread = Executors.newSingleThreadExecutor(ExecThreads.daemonThreads(name));
    }

    /** Queues {@code task}; it runs after every task submitted before it. */
    public void submit(Runnable task) {
        queued.incrementAndGet();
        thread.execute(() -> {
            queued.decrementAndGet();
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("task on a serial lane failed", e);
            }
        });
    }

    /** How many tasks wait for their turn (not counting the one running). */
    public int waiting() {
        return queued.get();
    }
}
