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
        Process process = builder.start();
        return new ManagedProcess(process, setsid.isPresent(), spec, io);
    }

    private static final class Standard {
        static final ProcessLauncher INSTANCE = new ProcessLauncher(Executables.findOnPath("setsid"), ExecThreads.io());
    }
}
