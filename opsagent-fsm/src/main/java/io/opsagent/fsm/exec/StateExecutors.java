package io.opsagent.fsm.exec;

import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.spi.StateExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Builds the executor the settings ask for. */
public final class StateExecutors {

    private static final Logger LOG = LogManager.getLogger(StateExecutors.class);

    private StateExecutors() {
    }

    /**
     * The executor for {@code settings}: {@code salt} gives a {@link SaltCallExecutor},
     * {@code native} a {@link NativeExecutor}, {@code auto} the first when {@code salt-call} is
     * found (at {@code settings.saltCall()}, else on {@code PATH}) and the second otherwise.
     *
     * @throws OpsAgentException when {@code salt} is asked for and {@code salt-call} is not found
     */
    public static StateExecutor create(ExecutorSettings settings) {
        switch (settings.kind()) {
            case NATIVE:
                LOG.info("state executor: built-in (kind native)");
                return nativeExecutor(settings);
            case SALT: {
                Path saltCall = findSaltCall(settings).orElseThrow(() -> new OpsAgentException(
                        "executor kind salt: salt-call not found " + where(settings)));
                LOG.info("state executor: Salt at {} (kind salt)", saltCall);
                return new SaltCallExecutor(saltCall, settings.saltConfigDir(), settings.workDir(), settings.saltWorker(),
                        settings.watchDir());
            }
            case AUTO:
            default: {
                Optional<Path> saltCall = findSaltCall(settings);
                if (saltCall.isPresent()) {
                    LOG.info("state executor: Salt at {} (kind auto)", saltCall.get());
                    return new SaltCallExecutor(saltCall.get(), settings.saltConfigDir(), settings.workDir(), settings.saltWorker(),
                        settings.watchDir());
                }
                LOG.info("state executor: built-in (kind auto; salt-call not found {})", where(settings));
                return nativeExecutor(settings);
            }
        }
    }

    private static NativeExecutor nativeExecutor(ExecutorSettings settings) {
        return settings.commandDirectory() == null ? new NativeExecutor() : new NativeExecutor(settings.commandDirectory());
    }

    /** {@code salt-call} as configured, or from {@code PATH} when not configured; empty when not usable. */
    static Optional<Path> findSaltCall(ExecutorSettings settings) {
        return findSaltCall(settings.saltCall());
    }

    /**
     * {@code salt-call} at {@code configured} when it is an executable file, or from {@code PATH}
     * when {@code configured} is null; empty when not usable.
     */
    public static Optional<Path> findSaltCall(Path configured) {
        if (configured != null) {
            return Files.isRegularFile(configured) && Files.isExecutable(configured) ? Optional.of(configured)
                    : Optional.empty();
        }
        return SaltCallExecutor.locate();
    }

    private static String where(ExecutorSettings settings) {
        return settings.saltCall() != null
                ? "at " + settings.saltCall() + " (missing or not executable)"
                : "on PATH (" + System.getenv("PATH") + ")";
    }
}
