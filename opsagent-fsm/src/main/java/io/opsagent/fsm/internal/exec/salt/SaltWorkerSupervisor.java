package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.exec.SaltWorkerSettings;
import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.process.ManagedProcess;
import io.opsagent.fsm.internal.exec.process.OutputLimit;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ProcessOutcome;
import io.opsagent.fsm.internal.exec.process.ProcessSpec;
import io.opsagent.fsm.internal.exec.process.ResidentProcess;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps the resident Salt worker of one executor: starts it lazily, hands it one state at a
 * time, and replaces it when it crashed, when Salt changed on the host (the size or time of
 * {@code salt-call} or of Salt's {@code version.py}), after {@link SaltWorkerSettings#maxStates()}
 * states, or when its resident memory passed {@link SaltWorkerSettings#maxRssMb()}. A stopped
 * state (cancel, timeout) kills the worker's whole process tree and waits until it is gone; the
 * next state gets a new worker. A worker starts in the background (asking salt-call for its
 * interpreter, then loading Salt): until it is ready {@link #apply} answers empty and the
 * executor runs salt-call for the state, so no state waits for a start. When the worker cannot
 * start, the reason is logged once and {@link #apply} answers empty from then on.
 *
 * <p>Called from the Salt lane only: one thread at a time.
 */
public final class SaltWorkerSupervisor {

    /** The worker program, a resource beside this class's package and a file of the release. */
    public static final String SCRIPT_NAME = "opsagent-salt-worker.py";
    static final String SCRIPT_RESOURCE = "/io/opsagent/fsm/salt/" + SCRIPT_NAME;

    private static final Logger LOG = LogManager.getLogger(SaltWorkerSupervisor.class);
    /** How long a worker may take to start: asking salt-call, then loading Salt. */
    private static final Duration START_LIMIT = Duration.ofMinutes(2);
    private static final OutputLimit GRAINS_STDOUT = OutputLimit.of(1024 * 1024, 0);
    private static final OutputLimit GRAINS_STDERR = OutputLimit.of(0, 4096);

    private final Path saltCall;
    private final SaltConfigDir configDir;
    private final Path workDir;
    private final SaltWorkerSettings settings;
    private final ProcessLauncher launcher;

    private Path home;
    private volatile SaltInterpreter interpreter;
    private volatile SaltWorker worker;
    private List<String> fingerprint;
    private CompletableFuture<Started> starting;
    private volatile String unavailable;
    private volatile int started;

    /**
     * @param saltCall the salt-call whose interpreter the worker uses (and whose file is watched)
     * @param configDir the agent's Salt configuration directory, or null for Salt's default
     * @param workDir where the worker's private directory is created
     */
    public SaltWorkerSupervisor(Path saltCall, SaltConfigDir configDir, Path workDir,
            SaltWorkerSettings settings, ProcessLauncher launcher) {
        this.saltCall = Objects.requireNonNull(saltCall, "saltCall");
        this.configDir = configDir;
        this.workDir = Objects.requireNonNull(workDir, "workDir");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.launcher = Objects.requireNonNull(launcher, "launcher");
    }

    /**
     * Applies {@code states} (one translated recipe state) through the worker.
     *
     * @return the result; empty when the worker cannot be used, so the caller runs salt-call
     */
    public Optional<StateResult> apply(List<SaltState> states, boolean dryRun, Execution execution) {
        if (unavailable != null) {
            return Optional.empty();
        }
        replaceIfStale();
        if (worker == null && !takeStarted()) {
            return Optional.empty();
        }
        if (!execution.attach(worker.process())) {
            return Optional.of(stopped(execution, discard()));
        }
        try (SaltWorkspace workspace = SaltWorkspace.createAt(fileRoot(), states)) {
            StateResult result = worker.apply(dryRun);
            if (execution.isStopped()) {
                // stopped just as the reply came: the kill has hit the worker, make sure all of it is gone
                return Optional.of(stopped(execution, discard()));
            }
            return Optional.of(result);
        } catch (SaltWorker.SaltWorkerException e) {
            long pid = worker.process().pid();
            boolean gone = discard();
            if (execution.isStopped()) {
                return Optional.of(stopped(execution, gone));
            }
            LOG.warn("the Salt worker (pid {}) failed: {}", pid, e.getMessage());
            return Optional.of(StateResult.failed("the Salt worker (pid " + pid + ") failed: " + e.getMessage(), null));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.of(StateResult.failed("could not prepare the state's files for the Salt worker: " + e, null));
        } finally {
            if (configDir != null) {
                configDir.forgetRunFiles();
            }
        }
    }

    /** Replaces the worker now when it has applied enough states or grown too large. */
    public void afterState() {
        if (worker == null) {
            return;
        }
        if (worker.states() >= settings.maxStates()) {
            retire("it applied " + worker.states() + " states");
            return;
        }
        OptionalLong kib = worker.residentKib();
        if (kib.isPresent() && kib.getAsLong() > settings.maxRssMb() * 1024L) {
            retire("its resident memory is " + kib.getAsLong() / 1024 + " MiB, above " + settings.maxRssMb() + " MiB");
        }
    }

    /** Ends the worker, if one runs or starts. */
    public void shutdown() {
        if (worker == null && starting != null) {
            takeStarted(starting.join());
        }
        if (worker != null) {
            retire("the executor was closed");
        }
    }

    /**
     * Waits until a worker that is starting is ready (or failed), and makes it the current one,
     * so the next state runs through it.
     *
     * @return whether a worker is ready
     */
    public boolean awaitWorker() {
        if (worker == null && starting != null) {
            takeStarted(starting.join());
        }
        return worker != null;
    }

    /** Why the worker is not used, once it could not start. */
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    /** The running worker's pid, if one runs. */
    public OptionalLong workerPid() {
        return worker == null ? OptionalLong.empty() : OptionalLong.of(worker.process().pid());
    }

    /** How many workers were started so far. */
    public int startedWorkers() {
        return started;
    }

    private void replaceIfStale() {
        if (worker == null) {
            return;
        }
        if (!worker.process().isAlive()) {
            LOG.warn("the Salt worker (pid {}) exited{}; starting a new one", worker.process().pid(),
                    worker.process().exitCode().isPresent() ? " with code " + worker.process().exitCode().getAsLong() : "");
            discard();
            return;
        }
        if (!fingerprint.equals(fingerprintOf(worker.saltDir()))) {
            retire("Salt changed on the host");
            interpreter = null; // an upgrade may bring another interpreter
        }
    }

    /**
     * Takes the worker started in the background when it is ready; starts one when none is
     * starting.
     *
     * @return true when {@link #worker} is now set
     */
    private boolean takeStarted() {
        if (starting == null) {
            try {
                if (home == null) {
                    Files.createDirectories(workDir);
                    home = Files.createTempDirectory(workDir, "opsagent-salt-worker-",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
            } catch (IOException e) {
                takeStarted(Started.failed("could not create its directory: " + e));
                return false;
            }
            starting = CompletableFuture.supplyAsync(this::startInBackground, ExecThreads.io());
            return false;
        }
        if (!starting.isDone()) {
            return false;
        }
        takeStarted(starting.join());
        return worker != null;
    }

    private void takeStarted(Started s) {
        starting = null;
        if (s.worker() != null) {
            worker = s.worker();
            fingerprint = s.fingerprint();
            started++;
        } else if (unavailable == null) {
            unavailable = s.problem();
            LOG.warn("the resident Salt worker cannot start ({}); states run with one salt-call each", unavailable);
        }
    }

    /** Runs on an I/O thread: touches no field but {@link #interpreter}. */
    private Started startInBackground() {
        try {
            SaltWorker w = start();
            return new Started(w, fingerprintOf(w.saltDir()), null);
        } catch (SaltWorker.SaltWorkerException | IOException | RuntimeException e) {
            return Started.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** A background start's outcome: a worker and its Salt fingerprint, or why there is none. */
    private record Started(SaltWorker worker, List<String> fingerprint, String problem) {
        static Started failed(String problem) {
            return new Started(null, null, problem);
        }
    }

    private SaltWorker start() throws SaltWorker.SaltWorkerException, IOException {
        Path script = home.resolve(SCRIPT_NAME);
        try (InputStream in = SaltWorkerSupervisor.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new SaltWorker.SaltWorkerException("the worker program " + SCRIPT_RESOURCE + " is missing from the agent");
            }
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        if (configDir != null) {
            configDir.ensure();
        }
        Files.createDirectories(fileRoot());
        SaltInterpreter python = interpreter();
        if (!Files.isExecutable(python.python())) {
            throw new SaltWorker.SaltWorkerException("the interpreter " + python.python() + " is missing or not executable");
        }
        List<String> argv = new ArrayList<>(List.of(python.python().toString(), script.toString(), "--file-root=" + fileRoot()));
        if (configDir != null) {
            argv.add("--config-dir=" + configDir.path());
        }
        ResidentProcess process = launcher.startResident(argv, python.environment(), List.of(),
                line -> LOG.warn("Salt worker: {}", line));
        SaltWorker w;
        ScheduledFuture<?> limit = ExecThreads.timer().schedule(process::killTree, START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            w = SaltWorker.awaitReady(process);
        } catch (SaltWorker.SaltWorkerException e) {
            process.killTreeAndAwaitGone();
            throw limit.isDone()
                    ? new SaltWorker.SaltWorkerException("Salt did not load within " + START_LIMIT.toSeconds() + " s")
                    : e;
        } finally {
            limit.cancel(false);
        }
        LOG.info("Salt worker started: pid {}, Salt {} from {}, interpreter {}", process.pid(), w.saltVersion(),
                w.saltDir(), python.python());
        return w;
    }

    /** The interpreter: configured, else salt-call's own (asked once). */
    private SaltInterpreter interpreter() throws SaltWorker.SaltWorkerException, IOException {
        if (settings.python() != null) {
            return new SaltInterpreter(settings.python(), List.of());
        }
        if (interpreter != null) {
            return interpreter;
        }
        ManagedProcess grains = launcher.start(new ProcessSpec(
                SaltInterpreter.grainsCommand(saltCall, configDir == null ? null : configDir.path()),
                null, SaltCommandLine.ENVIRONMENT, false, GRAINS_STDOUT, GRAINS_STDERR));
        ProcessOutcome outcome;
        try {
            outcome = grains.outcome().get(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            grains.killTree();
            throw new SaltWorker.SaltWorkerException(saltCall + " did not report its interpreter within "
                    + START_LIMIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grains.killTree();
            throw new SaltWorker.SaltWorkerException("interrupted while asking salt-call for its interpreter");
        } catch (ExecutionException e) {
            throw new SaltWorker.SaltWorkerException("could not run salt-call: " + e.getCause());
        }
        if (outcome.exitCode() != 0) {
            throw new SaltWorker.SaltWorkerException(saltCall + " grains.item exited with code " + outcome.exitCode()
                    + ": " + outcome.stderr().text().strip());
        }
        StringBuilder problem = new StringBuilder();
        SaltInterpreter found = SaltInterpreter.fromGrains(outcome.stdout().text(), problem)
                .orElseThrow(() -> new SaltWorker.SaltWorkerException(problem.toString()));
        interpreter = found;
        return found;
    }

    private Path fileRoot() {
        return home.resolve("files");
    }

    private void retire(String why) {
        LOG.info("replacing the Salt worker (pid {}): {}", worker.process().pid(), why);
        worker.retire();
        worker = null;
    }

    /** Kills the worker's tree and forgets it; true when nothing of the tree is left. */
    private boolean discard() {
        boolean gone = worker.process().killTreeAndAwaitGone();
        if (!gone) {
            LOG.warn("processes of the Salt worker (pid {}) survived every kill round", worker.process().pid());
        }
        worker = null;
        return gone;
    }

    private StateResult stopped(Execution execution, Boolean gone) {
        String reason = execution.stopReason().orElse("stopped");
        String tail = Boolean.FALSE.equals(gone)
                ? "; some processes of the Salt worker survived the kill"
                : "; killed the Salt worker and every process it started";
        return StateResult.failed(reason + tail, null);
    }

    private List<String> fingerprintOf(Path saltDir) {
        List<String> out = new ArrayList<>();
        out.add(stamp(saltCall));
        if (saltDir != null) {
            out.add(stamp(saltDir.resolve("version.py")));
        }
        return out;
    }

    private static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return file + ":" + a.size() + ":" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return file + ":absent";
        }
    }
}
