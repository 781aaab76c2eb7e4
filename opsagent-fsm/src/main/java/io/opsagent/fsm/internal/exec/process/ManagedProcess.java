package io.opsagent.fsm.internal.exec.process;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A started child process: its captured output, its outcome, and a kill for its whole tree.
 *
 * <p>{@link #outcome()} completes once the process has exited and its output has been read to
 * the end. A process that leaves a background child holding the output pipe open would keep the
 * pipe from ending; the capture is then cut off {@link #OUTPUT_GRACE} after the exit. After
 * {@link #killTree()} the outcome completes only once no process of the tree is left (or after
 * {@link #SWEEP_ROUNDS} rounds of killing, which only a process stuck in the kernel survives).
 */
public final class ManagedProcess implements KillableTree {

    /** How long output is still read after the process exited. */
    public static final Duration OUTPUT_GRACE = Duration.ofSeconds(2);

    /** How many times stragglers are searched for and killed after a kill. */
    static final int SWEEP_ROUNDS = 20;

    private static final Logger LOG = LogManager.getLogger(ManagedProcess.class);
    private static final long SWEEP_WAIT_MILLIS = 500;

    private final Process process;
    private final long sessionId;
    private final AtomicBoolean killRequested = new AtomicBoolean();
    private final Set<Long> killed = ConcurrentHashMap.newKeySet();
    private final OutputCollector stdout;
    private final OutputCollector stderr;
    private final CompletableFuture<ProcessOutcome> outcome;

    ManagedProcess(Process process, boolean sessionLeader, ProcessSpec spec, Executor io) {
        this.process = process;
        this.sessionId = sessionLeader ? process.pid() : -1;
        this.stdout = new OutputCollector(process.getInputStream(), spec.stdoutLimit());
        io.execute(stdout);
        if (spec.mergeErrorIntoOutput()) {
            this.stderr = null;
        } else {
            this.stderr = new OutputCollector(process.getErrorStream(), spec.stderrLimit());
            io.execute(stderr);
        }
        CompletableFuture<?> streamsDone = stderr == null
                ? stdout.done()
                : CompletableFuture.allOf(stdout.done(), stderr.done());
        this.outcome = process.onExit()
                .thenApplyAsync(p -> {
                    if (killRequested.get()) {
                        sweep();
                    }
                    return p;
                }, io)
                .thenCompose(p -> streamsDone
                        .thenApply(x -> true)
                        .completeOnTimeout(false, OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(complete -> outcomeOf(p, complete)));
    }

    @Override
    public long pid() {
        return process.pid();
    }

    /** Completes when the process has exited and its output has been read (see the class notes). */
    public CompletableFuture<ProcessOutcome> outcome() {
        return outcome;
    }

    /**
     * Kills every process of the tree with SIGKILL and returns at once; stragglers are swept up
     * after the root has exited. Safe to call more than once and from any thread.
     *
     * @return how many processes were signalled by this call
     */
    @Override
    public int killTree() {
        killRequested.set(true);
        return killRound();
    }

    private int killRound() {
        Set<ProcessHandle> members = ProcessTree.members(process.toHandle(), sessionId);
        for (ProcessHandle p : members) {
            killed.add(p.pid());
            p.destroyForcibly();
        }
        return members.size();
    }

    /** Kills again until nothing of the tree is left, waiting for each round to take effect. */
    private void sweep() {
        for (int round = 0; round < SWEEP_ROUNDS; round++) {
            Set<ProcessHandle> left = ProcessTree.members(process.toHandle(), sessionId);
            if (left.isEmpty()) {
                return;
            }
            for (ProcessHandle p : left) {
                killed.add(p.pid());
                p.destroyForcibly();
            }
            try {
                CompletableFuture.allOf(left.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                        .get(SWEEP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // check again in the next round
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("process tree of pid {} still has live processes after {} kill rounds", process.pid(), SWEEP_ROUNDS);
    }

    private ProcessOutcome outcomeOf(Process p, boolean outputComplete) {
        if (!outputComplete) {
            LOG.info("pid {} exited but a process it left behind still holds its output open; "
                    + "output capture stopped after {} ms", p.pid(), OUTPUT_GRACE.toMillis());
        }
        CapturedOutput out = stdout.snapshot();
        CapturedOutput err = stderr == null ? CapturedOutput.EMPTY : stderr.snapshot();
        return new ProcessOutcome(p.exitValue(), out, err, killed.size(), outputComplete);
    }
}
