package io.opsagent.launcher;

import io.opsagent.launcher.config.Durations;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The shutdown hook's work: ask the runtime to stop, then wait (at most the grace period) until
 * the command has returned and logged its last line, so the JVM does not halt half-way; then
 * run {@code lastly} (the launcher shuts logging down there, which writes the lines still queued
 * for the asynchronous appender: the JVM halts as soon as this hook returns).
 */
final class StopOnSignal implements Runnable {

    /** How long a stop may take before the JVM exits anyway; below systemd's 90 s stop timeout. */
    static final Duration GRACE = Duration.ofSeconds(60);

    private final AgentRuntime runtime;
    private final CountDownLatch commandReturned;
    private final Duration grace;
    private final Runnable lastly;
    private volatile boolean signalled;

    StopOnSignal(AgentRuntime runtime, CountDownLatch commandReturned, Duration grace, Runnable lastly) {
        this.runtime = runtime;
        this.commandReturned = commandReturned;
        this.grace = grace;
        this.lastly = lastly;
    }

    /**
     * Whether a signal asked the command to stop: then the JVM exits with 128 + the signal's
     * number whatever the command returns.
     */
    boolean signalled() {
        return signalled;
    }

    @Override
    public void run() {
        Logger log = LogManager.getLogger(Launcher.class);
        if (commandReturned.getCount() == 0) {
            return;
        }
        signalled = true;
        log.info("stop requested (SIGTERM or SIGINT); stopping the agent");
        try {
            runtime.stop();
        } catch (RuntimeException e) {
            log.error("stopping the agent failed", e);
        }
        try {
            if (!commandReturned.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("the agent did not stop within {}; exiting anyway", Durations.format(grace));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lastly.run();
    }
}
