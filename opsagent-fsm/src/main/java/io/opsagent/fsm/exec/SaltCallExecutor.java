package io.opsagent.fsm.exec;

import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Executables;
import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.protocol.InvalidParameterException;
import io.opsagent.fsm.internal.exec.SerialLane;
import io.opsagent.fsm.internal.exec.TextCaps;
import io.opsagent.fsm.internal.exec.WatchSums;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.internal.exec.process.ManagedProcess;
import io.opsagent.fsm.internal.exec.process.OutputLimit;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ProcessOutcome;
import io.opsagent.fsm.internal.exec.process.ProcessSpec;
import io.opsagent.fsm.internal.exec.salt.HostFacts;
import io.opsagent.fsm.internal.exec.salt.SaltCommandLine;
import io.opsagent.fsm.internal.exec.salt.SaltConfigDir;
import io.opsagent.fsm.internal.exec.salt.SaltResultParser;
import io.opsagent.fsm.internal.exec.salt.SaltState;
import io.opsagent.fsm.internal.exec.salt.SaltTranslator;
import io.opsagent.fsm.internal.exec.salt.SaltWorkerSupervisor;
import io.opsagent.fsm.internal.exec.salt.SaltWorkspace;
import io.opsagent.fsm.internal.exec.salt.CmdTimeout;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateExecutor;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Applies states through Salt: each VisualOps state becomes one generated {@code #!json} SLS
 * file (helper states linked to the main state with {@code require}) in a private directory,
 * applied as {@code state.sls vops} ({@code test=True} for a dry run) by the resident Salt
 * worker (Salt loaded once; see {@link SaltWorkerSettings}) or, when the worker is off or
 * cannot start, by {@code salt-call --local --out=json --retcode-passthrough --file-root=DIR
 * state.sls vops}.
 *
 * <p>Salt allows one state run at a time, so calls are serialized across every instance in the
 * JVM: a second call waits for the first to finish (its timeout keeps running meanwhile).
 * Cancellation, the request's timeout and a {@code linux.cmd} state's own {@code timeout} kill
 * salt-call (or the worker) and every process it started; the next state starts only once they
 * are gone. The
 * output read from salt-call is capped ({@link #STDOUT_READ_CAP_BYTES} of stdout; 64 KiB of
 * stderr), and the reported comment and output are capped at 64 KiB each. Thread-safe.
 *
 * <p>The modules, parameter mapping and result rules are described in {@code docs/executors.md}.
 */
public final class SaltCallExecutor implements StateExecutor, AutoCloseable {

    /** How much of salt-call's stdout (its JSON result) is read: 16 MiB; a larger result is a failure. */
    public static final int STDOUT_READ_CAP_BYTES = 16 * 1024 * 1024;

    private static final OutputLimit STDOUT_LIMIT = OutputLimit.of(STDOUT_READ_CAP_BYTES, 0);
    private static final OutputLimit STDERR_LIMIT = OutputLimit.of(32 * 1024, 32 * 1024);
    private static final Logger LOG = LogManager.getLogger(SaltCallExecutor.class);

    /** One Salt state run at a time in this JVM. */
    private static final SerialLane SALT_RUNS = new SerialLane("opsagent-salt-call");

    /** Translates for {@link #check}: whatever the host, so a host's OS family is no problem of a recipe. */
    private static final SaltTranslator CHECKER = new SaltTranslator(HostFacts.unknown());

    private final Path saltCall;
    private final SaltConfigDir configDir;
    private final Path workDir;
    private final SaltTranslator translator;
    private final ProcessLauncher launcher;
    private final SaltWorkerSupervisor worker;
    private final WatchSums watch;

    /**
     * An executor that runs {@code saltCall} with Salt's own configuration, in the system's
     * temporary directory.
     */
    public SaltCallExecutor(Path saltCall) {
        this(saltCall, null, null);
    }

    /**
     * @param saltCall the {@code salt-call} program; see {@link #locate()}
     * @param saltConfigDir a configuration directory of the agent's own, passed as
     *     {@code --config-dir} (a {@code minion} file is written into it when missing), or null
     *     to use Salt's default configuration
     * @param workDir where the private per-call directories are created, or null for the
     *     system's temporary directory
     */
    public SaltCallExecutor(Path saltCall, Path saltConfigDir, Path workDir) {
        this(saltCall, saltConfigDir, workDir, SaltWorkerSettings.defaults());
    }

    /**
     * @param worker whether and how the resident Salt worker runs the states
     * @see #SaltCallExecutor(Path, Path, Path)
     */
    public SaltCallExecutor(Path saltCall, Path saltConfigDir, Path workDir, SaltWorkerSettings worker) {
        this(saltCall, saltConfigDir, workDir, worker, null);
    }

    /**
     * @param watchDir where the sums of the files {@code linux.service} states watch are kept, or
     *     null to ignore {@code watch} (the services are only kept running)
     * @see #SaltCallExecutor(Path, Path, Path, SaltWorkerSettings)
     */
    public SaltCallExecutor(Path saltCall, Path saltConfigDir, Path workDir, SaltWorkerSettings worker, Path watchDir) {
        this(saltCall, saltConfigDir, workDir, HostFacts.detect(), ProcessLauncher.standard(), worker, watchDir);
    }

    SaltCallExecutor(Path saltCall, Path saltConfigDir, Path workDir, HostFacts host, ProcessLauncher launcher) {
        this(saltCall, saltConfigDir, workDir, host, launcher, SaltWorkerSettings.off());
    }

    SaltCallExecutor(Path saltCall, Path saltConfigDir, Path workDir, HostFacts host, ProcessLauncher launcher,
            SaltWorkerSettings workerSettings) {
        this(saltCall, saltConfigDir, workDir, host, launcher, workerSettings, null);
    }

    SaltCallExecutor(Path saltCall, Path saltConfigDir, Path workDir, HostFacts host, ProcessLauncher launcher,
            SaltWorkerSettings workerSettings, Path watchDir) {
        this.watch = watchDir == null ? null : new WatchSums(watchDir.toAbsolutePath());
        this.saltCall = Objects.requireNonNull(saltCall, "saltCall").toAbsolutePath();
        this.configDir = saltConfigDir == null ? null : new SaltConfigDir(saltConfigDir);
        this.workDir = workDir != null ? workDir.toAbsolutePath() : Path.of(System.getProperty("java.io.tmpdir"));
        this.translator = new SaltTranslator(host);
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.worker = workerSettings.enabled()
                ? new SaltWorkerSupervisor(this.saltCall, configDir, this.workDir, workerSettings, launcher)
                : null;
    }

    /** {@code salt-call} found on {@code PATH}, if any. */
    public static Optional<Path> locate() {
        return Executables.findOnPath("salt-call");
    }

    /** The modules this executor supports. */
    public static Set<String> supportedModules() {
        return SaltTranslator.supportedModules();
    }

    /**
     * Why {@code state} cannot be applied by this executor at all (its module is not one it
     * translates), or empty. Not part of {@link #check}: a pushed recipe still runs and reports
     * such a state as failed; a local {@code apply} or {@code check} refuses it up front.
     */
    public static Optional<String> unsupported(RecipeState state) {
        if (state.isComment() || state.isWait() || supportedModules().contains(state.module())) {
            return Optional.empty();
        }
        return Optional.of("module " + state.module() + " is not supported by the Salt executor; supported modules: "
                + String.join(", ", supportedModules()));
    }

    /**
     * The parameter problems of {@code state}: the very translation {@link #start} makes, without
     * running Salt, writing a file or looking at the host. Changes nothing.
     */
    @Override
    public List<String> check(RecipeState state) {
        if (unsupported(state).isPresent() || state.isComment() || state.isWait()) {
            // Not a problem of the recipe: the state fails when it runs, with its StateLog (SPEC R3.5).
            return List.of();
        }
        try {
            CHECKER.translate(state);
            return List.of();
        } catch (InvalidParameterException e) {
            return List.of(e.getMessage());
        }
    }

    /** The {@code salt-call} program this executor runs. */
    public Path saltCall() {
        return saltCall;
    }

    @Override
    public StateExecution start(StateRequest request, StateCallback callback) {
        RecipeState state = request.state();
        Execution execution = new Execution("state " + state.id() + " (" + state.module() + ")", callback, ExecThreads.timer());
        ExecThreads.io().execute(() -> prepare(request, execution));
        return execution;
    }

    /**
     * Ends the resident Salt worker, if one runs, after the states queued before this call.
     * The executor stays usable: a later state starts a new worker.
     */
    @Override
    public void close() {
        if (worker != null) {
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            SALT_RUNS.submit(() -> {
                worker.shutdown();
                done.complete(null);
            });
            done.join();
        }
    }

    /** Waits, on the Salt lane, for a worker that is starting; whether one is ready. */
    boolean awaitWorker() {
        java.util.concurrent.CompletableFuture<Boolean> ready = new java.util.concurrent.CompletableFuture<>();
        SALT_RUNS.submit(() -> ready.complete(worker != null && worker.awaitWorker()));
        return ready.join();
    }

    /** The resident worker's supervisor, or null when the worker is off. */
    SaltWorkerSupervisor workerSupervisor() {
        return worker;
    }

    /** How many Salt runs wait for their turn in this JVM (not counting the running one). */
    static int waitingRuns() {
        return SALT_RUNS.waiting();
    }

    private void prepare(StateRequest request, Execution execution) {
        List<SaltState> states;
        WatchSums.Check watched;
        try {
            watched = checkWatch(request.state());
            states = translator.translate(request.state(), watched != null && watched.fired());
        } catch (InvalidParameterException e) {
            execution.complete(StateResult.failed(e.getMessage(), null));
            return;
        } catch (RuntimeException e) {
            LOG.error("{}: could not translate the state", execution.label(), e);
            execution.complete(StateResult.failed("internal error while translating the state: " + e, null));
            return;
        }
        SALT_RUNS.submit(() -> run(request, states, watched, execution));
    }

    /** The watched files' sums of a {@code linux.service} state, or null when nothing is watched. */
    private WatchSums.Check checkWatch(RecipeState state) {
        if (watch == null || !state.module().equals("linux.service")) {
            return null;
        }
        List<String> paths = Params.of(state).stringList("watch");
        return paths.isEmpty() ? null : watch.check(state.id(), paths);
    }

    /** Stores the watched sums once the state succeeded for real, so a failed restart is tried again. */
    private void storeWatch(WatchSums.Check watched, boolean dryRun, StateResult result, Execution execution) {
        if (watched == null || dryRun || !result.success() || execution.stopReason().isPresent()) {
            return;
        }
        try {
            watch.store(watched);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not store the watched files' sums (the service is acted on again next time): {}",
                    execution.label(), e.toString());
        }
    }

    private void run(StateRequest request, List<SaltState> states, WatchSums.Check watched, Execution execution) {
        if (execution.isDone()) {
            return; // stopped while waiting its turn: already reported
        }
        if (!Files.isRegularFile(saltCall) || !Files.isExecutable(saltCall)) {
            execution.complete(StateResult.failed("salt-call not found or not executable at " + saltCall, null));
            return;
        }
        CmdTimeout.of(request.state()).ifPresent(t -> execution.stopAfter(t.duration(), t.reason()));
        if (worker != null) {
            Optional<StateResult> viaWorker = worker.apply(states, request.dryRun(), execution);
            if (viaWorker.isPresent()) {
                storeWatch(watched, request.dryRun(), viaWorker.get(), execution);
                execution.complete(viaWorker.get());
                worker.afterState();
                return;
            }
        }
        StateResult result;
        try (SaltWorkspace workspace = SaltWorkspace.create(workDir, states)) {
            result = call(workspace, request.dryRun(), execution);
        } catch (IOException | IllegalArgumentException e) {
            result = StateResult.failed("could not run salt-call: " + e, null);
        } finally {
            if (configDir != null) {
                configDir.forgetRunFiles();
            }
        }
        storeWatch(watched, request.dryRun(), result, execution);
        execution.complete(result);
        if (worker != null) {
            worker.afterFallback();
        }
    }

    private StateResult call(SaltWorkspace workspace, boolean dryRun, Execution execution) throws IOException {
        if (configDir != null) {
            configDir.ensure();
        }
        List<String> argv = SaltCommandLine.of(saltCall, configDir == null ? null : configDir.path(),
                workspace.fileRoot(), dryRun);
        LOG.debug("{}: running {}", execution.label(), argv);
        ManagedProcess process = launcher.start(new ProcessSpec(argv, workspace.fileRoot(),
                SaltCommandLine.ENVIRONMENT, false, STDOUT_LIMIT, STDERR_LIMIT));
        execution.attach(process);
        ProcessOutcome outcome = process.outcome().join();
        String stderr = outcome.stderr().text();
        Optional<String> stopped = execution.stopReason();
        if (stopped.isPresent()) {
            return StateResult.failed(stopped.get() + "; killed " + outcome.killedProcesses()
                    + " process(es): salt-call (pid " + process.pid() + ") and its children",
                    TextCaps.capReport(stderr.isBlank() ? null : stderr));
        }
        if (outcome.stdout().truncated()) {
            return StateResult.failed("salt-call printed " + outcome.stdout().totalBytes()
                    + " bytes on stdout, more than the " + STDOUT_READ_CAP_BYTES
                    + " bytes the agent reads; its result was not parsed", TextCaps.capReport(stderr));
        }
        String stdout = new String(outcome.stdout().head(), StandardCharsets.UTF_8);
        return SaltResultParser.parse(stdout, stderr, outcome.exitCode(), dryRun);
    }
}
