package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.exec.SaltWorkerSettings;
import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.FileTrees;
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
 * next state gets a new worker.
 *
 * <p>Starting a worker means knowing Salt's interpreter, then loading Salt (well under a
 * second once its bytecode is cached). When the interpreter is known (configured, asked
 * before, or remembered from an earlier run of the agent in {@link #INTERPRETER_FILE}), a state
 * waits for the start. When it is not, asking for it costs a whole salt-call start-up: the
 * state then runs through salt-call ({@link #apply} answers empty), alone, and the worker
 * starts in the background after it ({@link #afterFallback()}); states that come meanwhile run
 * through salt-call too. When the worker cannot start, the reason is logged once and
 * {@link #apply} answers empty from then on; a remembered interpreter that fails is forgotten
 * and asked for again first.
 *
 * <p>Called from the Salt lane only: one thread at a time.
 */
public final class SaltWorkerSupervisor {

    /** The worker program, a resource beside this class's package and a file of the release. */
    public static final String SCRIPT_NAME = "opsagent-salt-worker.py";
    static final String SCRIPT_RESOURCE = "/io/opsagent/fsm/salt/" + SCRIPT_NAME;

    /** The directory under the work directory that holds the worker's bytecode cache. */
    static final String BYTECODE_DIR = "salt-bytecode";
    /** The file under the work directory that remembers salt-call's interpreter. */
    static final String INTERPRETER_FILE = "salt-interpreter.json";

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
    private final InterpreterCache remembered;

    private Path home;
    private volatile SaltInterpreter interpreter;
    /** {@link #interpreter} came from {@link #remembered}, not from salt-call in this run. */
    private volatile boolean interpreterRemembered;
    private boolean startAfterFallback;
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
        this.remembered = new InterpreterCache(this.workDir.resolve(INTERPRETER_FILE));
    }

    /**
     * Applies {@code states} (one translated recipe state) through the worker. A worker found to
     * have ended before it was sent the state (killed or crashed between two states, not yet
     * reaped by the JDK, so it looked alive) is replaced and the state sent to the new one, once.
     *
     * @return the result; empty when the worker cannot be used, so the caller runs salt-call
     */
    public Optional<StateResult> apply(List<SaltState> states, boolean dryRun, Execution execution) {
        if (unavailable != null) {
            return Optional.empty();
        }
        replaceIfStale();
        for (int attempt = 1; ; attempt++) {
            if (worker == null && !readyOrStarted()) {
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
                if (e instanceof SaltWorker.NotDelivered && attempt == 1) {
                    // It ended between two states, before the JDK saw it go: the state did not run.
                    LOG.warn("the Salt worker (pid {}) {}; starting a new one", pid, e.getMessage());
                    continue;
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
    }

    /**
     * Called after a state ran through salt-call: starts the worker in the background when a
     * state found the interpreter unknown, now that salt-call no longer competes for the CPU.
     */
    public void afterFallback() {
        if (startAfterFallback && starting == null && worker == null && unavailable == null) {
            startAfterFallback = false;
            beginStart();
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
        if (home != null) {
            try {
                FileTrees.delete(home);
            } catch (IOException e) {
                LOG.warn("could not remove the Salt worker's directory {}: {}", home, e.toString());
            }
            home = null;
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

    /** The directory of the Salt package the running worker loaded, if one runs. */
    public Optional<Path> workerSaltDir() {
        return worker == null ? Optional.empty() : Optional.ofNullable(worker.saltDir());
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
            interpreterRemembered = false;
            remembered.forget();
            dropBytecode();
        }
    }

    /**
     * Makes a worker current for the state at hand: waits for one that is starting once its
     * interpreter is known (loading Salt takes less than a salt-call), starts one and waits
     * when the interpreter is known, and otherwise leaves the state to salt-call.
     *
     * @return true when {@link #worker} is now set
     */
    private boolean readyOrStarted() {
        if (starting == null) {
            if (!interpreterKnown()) {
                startAfterFallback = true;
                return false;
            }
            beginStart();
        } else if (!starting.isDone() && interpreter == null && settings.python() == null) {
            return false; // still asking salt-call: this state runs through salt-call meanwhile
        }
        if (starting == null) {
            return false; // could not even begin
        }
        takeStarted(starting.join());
        return worker != null;
    }

    private boolean interpreterKnown() {
        if (settings.python() != null || interpreter != null) {
            return true;
        }
        Optional<SaltInterpreter> r = remembered.read(stamp(saltCall));
        r.ifPresent(i -> {
            interpreter = i;
            interpreterRemembered = true;
        });
        return r.isPresent();
    }

    private void beginStart() {
        try {
            if (home == null) {
                Files.createDirectories(workDir);
                home = Files.createTempDirectory(workDir, "opsagent-salt-worker-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            takeStarted(Started.failed("could not create its directory: " + e));
            return;
        }
        starting = CompletableFuture.supplyAsync(this::startInBackground, ExecThreads.io());
    }

    private void takeStarted(Started s) {
        starting = null;
        if (s.worker() != null) {
            worker = s.worker();
            fingerprint = s.fingerprint();
            started++;
            if (settings.python() == null && !interpreterRemembered && interpreter != null) {
                remembered.write(stamp(saltCall), interpreter);
                interpreterRemembered = true;
            }
        } else if (interpreterRemembered) {
            LOG.info("the Salt worker did not start with the remembered interpreter ({}); asking salt-call again",
                    s.problem());
            remembered.forget();
            interpreter = null;
            interpreterRemembered = false;
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
        Files.createDirectories(bytecodeDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> argv = new ArrayList<>(List.of(python.python().toString(), script.toString(),
                "--file-root=" + fileRoot(), "--bytecode-dir=" + bytecodeDir()));
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

    /**
     * Where the worker keeps Salt's compiled modules when Salt's own directory cannot (see the
     * worker program): kept across workers and agent restarts, dropped when Salt changes.
     */
    Path bytecodeDir() {
        return workDir.resolve(BYTECODE_DIR);
    }

    private void dropBytecode() {
        try {
            FileTrees.delete(bytecodeDir());
        } catch (IOException e) {
            LOG.warn("could not delete the Salt worker's old bytecode in {}: {}", bytecodeDir(), e.toString());
        }
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
