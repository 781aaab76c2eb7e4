package io.opsagent.fsm.internal;

import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.SingleThreadEventLoop;
import io.opsagent.fsm.internal.store.RoundStore;
import io.opsagent.fsm.internal.transport.BackendConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An agent's stop: on its event loop, in order, the round machine stops (the running state is
 * cancelled), the connection closes with its outbox journal, the round is stored, and an owned
 * loop shuts down. {@link #stop(Duration)} also waits for the cancelled state's report, which an
 * executor gives once the state's process tree is gone. Begun once; any number of callers may
 * wait for it.
 */
public final class AgentShutdown {

    private static final Logger LOG = LogManager.getLogger(AgentShutdown.class);

    private final EventLoop loop;
    private final boolean ownsLoop;
    private final RoundMachine machine;
    private final BackendConnection connection;
    private final RoundStore store;
    private final AtomicBoolean begun = new AtomicBoolean();
    /** The loop's part is done: machine stopped, connection closed, round stored. */
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Every state handed to the executor has reported. */
    private final CompletableFuture<Void> statesGone = new CompletableFuture<>();

    /**
     * @param connection the agent's connection, or null
     * @param store the agent's round store, or null
     */
    public AgentShutdown(EventLoop loop, boolean ownsLoop, RoundMachine machine, BackendConnection connection,
            RoundStore store) {
        this.loop = loop;
        this.ownsLoop = ownsLoop;
        this.machine = machine;
        this.connection = connection;
        this.store = store;
    }

    /** Begins the stop, once; returns at once. Any thread. */
    public void begin() {
        if (!begun.compareAndSet(false, true)) {
            return;
        }
        machine.stop();
        loop.execute(() -> machine.whenNoStateRuns(() -> statesGone.complete(null)));
        if (connection != null) {
            loop.execute(connection::close);
        }
        if (store != null) {
            loop.execute(store::flush);
        }
        loop.execute(() -> closed.complete(null));
        if (ownsLoop) {
            loop.execute(loop::shutdown);
        }
    }

    /** Begins the stop and waits up to {@code timeout} for all of it; see {@code OpsAgent.stop}. */
    public boolean stop(Duration timeout) {
        if (loop.inLoop()) {
            throw new IllegalStateException("stop(Duration) would block the agent's own event loop; call close() there");
        }
        begin();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            CompletableFuture.allOf(closed, statesGone).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (ownsLoop && loop instanceof SingleThreadEventLoop own) {
                return own.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            return true;
        } catch (TimeoutException e) {
            LOG.warn("the agent did not stop within {} ms ({})", timeout.toMillis(),
                    closed.isDone() ? "the cancelled state has not reported" : "its event loop has not got there");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            LOG.error("stopping the agent failed", e.getCause());
            return false;
        }
    }
}
