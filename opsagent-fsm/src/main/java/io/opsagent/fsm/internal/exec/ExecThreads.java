package io.opsagent.fsm.internal.exec;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the executors share: daemon threads only, so an embedding application never has
 * to shut them down. The I/O pool runs state work and drains process output; the timer fires
 * timeouts.
 */
public final class ExecThreads {

    private ExecThreads() {
    }

    /** A cached pool of daemon threads named {@code opsagent-exec-N}. */
    public static ExecutorService io() {
        return Holder.IO;
    }

    /** One daemon timer thread, {@code opsagent-exec-timer}; cancelled tasks are removed at once. */
    public static ScheduledExecutorService timer() {
        return Holder.TIMER;
    }

    /** A factory of daemon threads named {@code prefix-N}. */
    public static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class Holder {
        static final ExecutorService IO = Executors.newCachedThreadPool(daemonThreads("opsagent-exec"));
        static final ScheduledExecutorService TIMER = timer();

        private static ScheduledExecutorService timer() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemonThreads("opsagent-exec-timer"));
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }
}
