package io.opsagent.fsm.exec;

import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.builtin.BuiltinModules;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Applies the core file and command modules in Java, without Salt: {@code linux.file},
 * {@code linux.dir}, {@code linux.symlink} and {@code linux.cmd}, with the same parameters,
 * result rules and comment style as {@link SaltCallExecutor}. Any other module fails with a
 * comment that says to install Salt.
 *
 * <p>Every module is idempotent (a second run reports no change) and a dry run changes nothing.
 * Commands run in a process tree that cancellation and timeouts kill completely. States run
 * concurrently when started concurrently (the round machine starts one at a time).
 * Thread-safe. See {@code docs/executors.md}.
 */
public final class NativeExecutor implements StateExecutor {

    private static final Logger LOG = LogManager.getLogger(NativeExecutor.class);

    private final BuiltinModules modules;

    public NativeExecutor() {
        this(ProcessLauncher.standard());
    }

    /**
     * With {@code commandDirectory} as the working directory of {@code linux.cmd} states that
     * name none (the default is {@code /opt/visualops/tmp}; an agent with a root prefix passes
     * that directory under its root).
     */
    public NativeExecutor(Path commandDirectory) {
        this.modules = new BuiltinModules(ProcessLauncher.standard(), commandDirectory);
    }

    NativeExecutor(ProcessLauncher launcher) {
        this.modules = new BuiltinModules(Objects.requireNonNull(launcher, "launcher"));
    }

    /** The modules this executor supports. */
    public static Set<String> supportedModules() {
        return BuiltinModules.supportedModules();
    }

    /**
     * Why {@code state} cannot be applied by this executor at all (its module is not built in),
     * or empty. Not part of {@link #check}: a pushed recipe still runs and reports such a state
     * as failed; a local {@code apply} or {@code check} refuses it up front.
     */
    public static java.util.Optional<String> unsupported(RecipeState state) {
        if (state.isComment() || state.isWait() || supportedModules().contains(state.module())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(BuiltinModules.unsupported(state.module()));
    }

    @Override
    public List<String> check(RecipeState state) {
        return modules.check(state);
    }

    @Override
    public StateExecution start(StateRequest request, StateCallback callback) {
        RecipeState state = request.state();
        Execution execution = new Execution("state " + state.id() + " (" + state.module() + ")", callback, ExecThreads.timer());
        ExecThreads.io().execute(() -> {
            StateResult result;
            try {
                result = modules.apply(state, request.dryRun(), execution);
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected error", execution.label(), e);
                result = StateResult.failed("internal error while applying " + state.module() + ": " + e, null);
            }
            execution.complete(result);
        });
        return execution;
    }
}
