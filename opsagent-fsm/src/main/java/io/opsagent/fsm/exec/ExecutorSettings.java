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
 */
public record ExecutorSettings(ExecutorKind kind, Path saltCall, Path saltConfigDir, Path workDir) {

    public ExecutorSettings {
        Objects.requireNonNull(kind, "kind");
    }

    /** {@code auto}, {@code salt-call} from {@code PATH}, Salt's default configuration, the system's temporary directory. */
    public static ExecutorSettings defaults() {
        return new ExecutorSettings(ExecutorKind.AUTO, null, null, null);
    }

    /** These settings with another kind. */
    public ExecutorSettings withKind(ExecutorKind newKind) {
        return new ExecutorSettings(newKind, saltCall, saltConfigDir, workDir);
    }
}
