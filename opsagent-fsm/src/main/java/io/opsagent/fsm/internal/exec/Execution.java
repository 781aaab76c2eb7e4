package io.opsagent.fsm.internal.exec;

import io.opsagent.fsm.internal.exec.process.KillableTree;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor.StateCallback;
import io.opsagent.fsm.spi.StateResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One running state: reports its result exactly once, and stops it on cancel or timeout.
 *
 * <p>A stop records its reason ("cancelled", "timed out after 5 s"); the first reason wins.
 * When a process is attached the stop kills its whole tree and the code waiting for the process
 * reports the result; without a process (not started yet, or Java-only work) the stop reports
 * {@code failed(reason)} at once. Should a killed tree not exit within {@link #STOP_GRACE}, the
 * failure is reported anyway. The callback runs on the thread that completes, outside any lock;
 * an exception it throws is logged, never propagated.
 */
public final class Execution implements StateExecution {

    /** How long a stopped execution waits for its process tree before reporting anyway. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private static final Logger LOG = LogManager.getLogger(Execution.class);

    private final String label;
    private final StateCallback callback;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean done = new AtomicBoolean();
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    private volatile KillableTree process;

    /**
     * @param label names the state in log lines, e.g. {@code state web-conf (linux.file)}
     * @param callback receives the single result
     * @param timer runs timeouts
     */
    public Execution(String label, StateCallback callback, ScheduledExecutorService timer) {
        this.label = Objects.requireNonNull(label, "label");
        this.callback = Objects.requireNonNull(callback, "callback");
        this.timer = Objects.requireNonNull(timer, "timer");
    }

    public String label() {
        return label;
    }

    /** Stops the execution with {@code reason} after {@code delay}; a delay of zero or less means never. */
    public void stopAfter(Duration delay, String reason) {
        if (delay.isZero() || delay.isNegative() || done.get()) {
            return;
        }
        timers.add(timer.schedule(() -> stop(reason), delay.toNanos(), TimeUnit.NANOSECONDS));
    }

    @Override
    public void cancel() {
        stop("cancelled");
    }

    /** Stops the execution: kills the attached process tree, or reports {@code failed(reason)} now. */
    public void stop(String reason) {
        if (done.get() || !stopReason.compareAndSet(null, reason)) {
            return;
        }
        KillableTree p = process;
        if (p == null) {
            LOG.info("{}: {}", label, reason);
            complete(StateResult.failed(reason, null));
            return;
        }
        int killed = p.killTree();
        LOG.info("{}: {}; killed {} process(es) of pid {}", label, reason, killed, p.pid());
        timers.add(timer.schedule(
                () -> complete(StateResult.failed(reason + " (the killed process tree of pid " + p.pid()
                        + " did not exit within " + DurationText.seconds(STOP_GRACE) + ")", null)),
                STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Attaches the process that does the work, so a stop can kill it.
     *
     * @return false when the execution was already stopped: the process has then been killed
     */
    public boolean attach(KillableTree p) {
        process = p;
        if (stopReason.get() != null) {
            p.killTree();
            return false;
        }
        return true;
    }

    /** Why the execution was stopped, if it was. */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason.get());
    }

    public boolean isStopped() {
        return stopReason.get() != null;
    }

    public boolean isDone() {
        return done.get();
    }

    /** Reports {@code result} unless a result was reported already. */
    public void complete(StateResult result) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        for (ScheduledFuture<?> f : timers) {
            f.cancel(false);
        }
        LOG.debug("{}: success={} changed={}", label, result.success(), result.changed());
        try {
            callback.completed(result);
        } catch (RuntimeException e) {
            LOG.error("{}: the result callback threw", label, e);
        }
    }
}
