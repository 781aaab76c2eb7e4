package io.opsagent.fsm.internal.exec.process;

import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Executables;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Starts child processes from an argument list through {@link ProcessBuilder}, never through a
 * shell line. When the {@code setsid} program is available every child starts in a session of
 * its own (it replaces itself with the real program, so the pid stays the same), which lets
 * {@link ManagedProcess#killTree()} find even the orphans of the tree.
 */
public final class ProcessLauncher {

    private static final File DEV_NULL = new File("/dev/null");

    private final Optional<Path> setsid;
    private final Executor io;
    private volatile ProcessLedger ledger;

    /**
     * @param setsid the {@code setsid} program, or empty to start children in the agent's session
     * @param io the threads that drain output and finish outcomes
     */
    public ProcessLauncher(Optional<Path> setsid, Executor io) {
        this.setsid = Objects.requireNonNull(setsid, "setsid");
        this.io = Objects.requireNonNull(io, "io");
    }

    /** A launcher with {@code setsid} from {@code PATH} (when there is one) and the shared threads. */
    public static ProcessLauncher standard() {
        return Standard.INSTANCE;
    }

    /** Whether children start in a session of their own. */
    public boolean usesSessions() {
        return setsid.isPresent();
    }

    /**
     * Records every process started from now on in {@code ledger} (null: none), so that a
     * restarted agent can kill what a killed one left running.
     */
    public void recordIn(ProcessLedger ledger) {
        this.ledger = ledger;
    }

    /** Starts {@code spec}; the returned process is already being drained. */
    public ManagedProcess start(ProcessSpec spec) throws IOException {
        List<String> command = new ArrayList<>(spec.command().size() + 1);
        setsid.ifPresent(p -> command.add(p.toString()));
        command.addAll(spec.command());
        ProcessBuilder builder = new ProcessBuilder(command);
        if (spec.directory() != null) {
            builder.directory(spec.directory().toFile());
        }
        if (!spec.inheritEnvironment()) {
            builder.environment().clear();
        }
        builder.environment().putAll(spec.environment());
        builder.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        builder.redirectErrorStream(spec.mergeErrorIntoOutput());
        ProcessLedger record = ledger;
        if (record == null) {
            return new ManagedProcess(builder.start(), setsid.isPresent(), spec, io);
        }
        String mark = record.beforeStart();
        builder.environment().put(ProcessLedger.MARK_VARIABLE, mark);
        Process process;
        try {
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            record.finished(mark);
            throw e;
        }
        record.started(mark, process.pid(), setsid.isPresent());
        ManagedProcess managed = new ManagedProcess(process, setsid.isPresent(), spec, io);
        managed.outcome().whenComplete((outcome, failure) -> record.finished(mark));
        return managed;
    }

    /**
     * Starts a long-lived child that talks over its standard input and output; each line it
     * writes on stderr goes to {@code stderrLines}.
     *
     * @param command the program and its arguments
     * @param environment variables set on top of the agent's environment
     * @param removeFromEnvironment variables removed from the agent's environment
     */
    public ResidentProcess startResident(List<String> command, java.util.Map<String, String> environment,
            java.util.Collection<String> removeFromEnvironment, java.util.function.Consumer<String> stderrLines)
            throws IOException {
        List<String> full = new ArrayList<>(command.size() + 1);
        setsid.ifPresent(p -> full.add(p.toString()));
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full);
        builder.environment().keySet().removeAll(removeFromEnvironment);
        builder.environment().putAll(environment);
        return new ResidentProcess(builder.start(), setsid.isPresent(), stderrLines, io);
    }

    private static final class Standard {
        static final ProcessLauncher INSTANCE = new ProcessLauncher(Executables.findOnPath("setsid"), ExecThreads.io());
    }
}
