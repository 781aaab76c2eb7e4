package io.opsagent.launcher;

import io.opsagent.launcher.logging.LoggingSetup;

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

    /**
     * Called at the end of a hook, after the command's last line, when the launcher configured
     * logging: the JVM halts once the hook returns. The JVM's hooks shut Log4j down there, which
     * writes what its asynchronous appender still holds; tests' hooks leave their JVM's logging
     * alone.
     */
    default void beforeHalt() {}

    /** The JVM's own shutdown hooks. */
    static ShutdownHooks jvm() {
        return new ShutdownHooks() {
            @Override
            public Registration register(String name, Runnable action) {
                Thread thread = new Thread(action, name);
                Runtime.getRuntime().addShutdownHook(thread);
                return () -> {
                    try {
                        return Runtime.getRuntime().removeShutdownHook(thread);
                    } catch (IllegalStateException e) {
                        return false;
                    }
                };
            }

            @Override
            public void beforeHalt() {
                LoggingSetup.shutdown();
            }
        };
    }
}
