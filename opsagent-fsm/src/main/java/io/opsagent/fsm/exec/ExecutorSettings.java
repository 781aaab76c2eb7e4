package io.opsagent.fsm.exec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link StateExecutors#create} needs to build an executor.
 *
 * @param kind which executor
 * @param saltCall the {@code salt-call} program, or null to search {@code PATH}
 * @param saltConfigDir a Salt configuration directory of the agent's own (passed as
 *     {@code --config-dir}; a {@code minion} file is written when missing), or null to use
 *     Salt's default configuration
 * @param workDir where per-call private directories are created, or null for the system's
 *     temporary directory
 * @param saltWorker whether and how the resident Salt worker runs states
 * @param commandDirectory the built-in executor's working directory for {@code linux.cmd}
 *     states that name no {@code cwd}, or null for {@code /opt/visualops/tmp}
 * @param watchDir where the Salt executor keeps the sums of the files {@code linux.service}
 *     states watch, or null to ignore {@code watch} (the services are only kept running)
 */
public record ExecutorSettings(ExecutorKind kind, Path saltCall, Path saltConfigDir, Path workDir,
        SaltWorkerSettings saltWorker, Path commandDirectory, Path watchDir) {

    public ExecutorSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(saltWorker, "saltWorker");
    }

    /** Settings without a watch directory: {@code watch} is ignored. */
    public ExecutorSettings(ExecutorKind kind, Path saltCall, Path saltConfigDir, Path workDir,
            SaltWorkerSettings saltWorker, Path commandDirectory) {
        this(kind, saltCall, saltConfigDir, workDir, saltWorker, commandDirectory, null);
    }

    /** Settings where {@code linux.cmd} runs in {@code /opt/visualops/tmp} when a state names no {@code cwd}. */
    public ExecutorSettings(ExecutorKind kind, Path saltCall, Path saltConfigDir, Path workDir,
            SaltWorkerSettings saltWorker) {
        this(kind, saltCall, saltConfigDir, workDir, saltWorker, null);
    }

    /** Settings with the resident Salt worker's defaults. */
    public ExecutorSettings(ExecutorKind kind, Path saltCall, Path saltConfigDir, Path workDir) {
        this(kind, saltCall, saltConfigDir, workDir, SaltWorkerSettings.defaults());
    }

    /** {@code auto}, {@code salt-call} from {@code PATH}, Salt's default configuration, the system's temporary directory. */
    public static ExecutorSettings defaults() {
        return new ExecutorSettings(ExecutorKind.AUTO, null, null, null);
    }

    /** These settings with another kind. */
    public ExecutorSettings withKind(ExecutorKind newKind) {
        return new ExecutorSettings(newKind, saltCall, saltConfigDir, workDir, saltWorker, commandDirectory, watchDir);
    }
}
