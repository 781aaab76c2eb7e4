package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The modules the built-in executor applies in Java, and the one place that turns their
 * outcome (including invalid parameters and refused file operations) into a result.
 */
public final class BuiltinModules {

    private final Map<String, BuiltinModule> modules;

    public BuiltinModules(ProcessLauncher launcher) {
        this(launcher, CmdModule.DEFAULT_CWD);
    }

    /** With {@code commandDirectory} as {@code linux.cmd}'s working directory when a state names none. */
    public BuiltinModules(ProcessLauncher launcher, Path commandDirectory) {
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(commandDirectory, "commandDirectory");
        Map<String, BuiltinModule> m = new LinkedHashMap<>();
        m.put("linux.file", new FileModule());
        m.put("linux.dir", new DirModule());
        m.put("linux.symlink", new SymlinkModule());
        m.put("linux.cmd", new CmdModule(launcher, commandDirectory, System.getenv()));
        this.modules = Collections.unmodifiableMap(m);
    }

    /** The modules applied in Java. */
    public static Set<String> supportedModules() {
        return Set.of("linux.file", "linux.dir", "linux.symlink", "linux.cmd");
    }

    /** Applies {@code state}; never throws: every problem becomes a failed result. */
    public StateResult apply(RecipeState state, boolean dryRun, Execution execution) {
        if (state.isComment() || state.isWait()) {
            return StateResult.failed(state.module()
                    + " is handled by the round machine itself and must never reach an executor", null);
        }
        BuiltinModule module = modules.get(state.module());
        if (module == null) {
            return StateResult.failed("module " + state.module() + " is not supported by the built-in executor "
                    + "(it supports " + String.join(", ", modules.keySet()) + "); install Salt (salt-call) to apply it", null);
        }
        try {
            return module.apply(Params.of(state), dryRun, execution);
        } catch (InvalidParameterException e) {
            return StateResult.failed(e.getMessage(), null);
        } catch (IOException e) {
            return StateResult.failed(state.module() + ": " + describe(e), null);
        }
    }

    /** Why {@code module} cannot be applied here, as {@link #apply} would report it. */
    public static String unsupported(String module) {
        return "module " + module + " is not supported by the built-in executor (it supports "
                + String.join(", ", supportedModuleList()) + "); install Salt (salt-call) to apply it";
    }

    private static List<String> supportedModuleList() {
        return List.of("linux.file", "linux.dir", "linux.symlink", "linux.cmd");
    }

    /**
     * The parameter problems of {@code state}: its module's own checks, run as a dry run whose
     * result is dropped, so they are the very checks {@link #apply} makes. Changes nothing.
     */
    public List<String> check(RecipeState state) {
        if (state.isComment() || state.isWait()) {
            return List.of();
        }
        BuiltinModule module = modules.get(state.module());
        if (module == null) {
            // Not a problem of the recipe: the state fails when it runs, with its StateLog (SPEC R3.5).
            return List.of();
        }
        Execution dryRun = new Execution("check of state " + state.id(), result -> { }, ExecThreads.timer());
        try {
            module.apply(Params.of(state), true, dryRun);
            return List.of();
        } catch (InvalidParameterException e) {
            return List.of(e.getMessage());
        } catch (IOException | RuntimeException e) {
            // Not a parameter problem: the host decides when the state runs.
            return List.of();
        }
    }

    /** An I/O error as an operator reads it: what failed, and on which path. */
    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + ((AccessDeniedException) e).getFile();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + ((NoSuchFileException) e).getFile();
        }
        if (e instanceof FileSystemException) {
            FileSystemException f = (FileSystemException) e;
            String reason = f.getReason() == null ? e.getClass().getSimpleName() : f.getReason();
            return reason + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
        }
        return e.toString();
    }
}
