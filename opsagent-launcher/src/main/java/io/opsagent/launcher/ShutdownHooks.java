package io.opsagent.launcher;

/**
 * Registers work to do when the JVM is asked to stop (SIGTERM, SIGINT). An interface so that
 * tests can fire the hook without stopping their JVM.
 */
public interface ShutdownHooks {

    /** Runs {@code action} on a thread named {@code name} when the JVM begins to shut down. */
    Registration register(String name, Runnable action);

    /** A registered hook. */
    interface Registration {
        /**
         * Removes the hook.
         *
         * @return false when the JVM is already shutting down (the hook has run or runs now)
         */
        boolean remove();
    }

    /** The JVM's own shutdown hooks. */
    static ShutdownHooks jvm() {
        return (name, action) -> {
            Thread thread = new Thread(action, name);
            Runtime.getRuntime().addShutdownHook(thread);
            return () -> {
                try {
                    return Runtime.getRuntime().removeShutdownHook(thread);
                } catch (IllegalStateException e) {
                    return false;
                }
            };
        };
    }
}
