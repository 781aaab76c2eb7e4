package io.opsagent.launcher;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Shutdown hooks a test fires itself, as if the JVM got SIGTERM. */
final class FakeShutdownHooks implements ShutdownHooks {

    private final List<Runnable> actions = new CopyOnWriteArrayList<>();

    @Override
    public Registration register(String name, Runnable action) {
        actions.add(action);
        return () -> actions.remove(action);
    }

    /** Runs every registered hook on the calling thread. */
    void fire() {
        actions.forEach(Runnable::run);
    }

    int registered() {
        return actions.size();
    }
}
