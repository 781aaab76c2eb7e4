package io.opsagent.fsm.internal.store;

import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The one thread per JVM that does the agents' slow disk work (fsync), off their event loops. */
final class StoreThread {

    private StoreThread() { }

    private static final class Holder {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "opsagent-store");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }

    static ScheduledThreadPoolExecutor get() {
        return Holder.EXECUTOR;
    }
}
