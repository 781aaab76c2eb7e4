package io.opsagent.fsm.exec;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.opsagent.fsm.internal.exec.FileTrees;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ResidentProcess;
import io.opsagent.fsm.internal.exec.salt.HostFacts;
import io.opsagent.fsm.internal.exec.salt.SaltInterpreter;
import io.opsagent.fsm.internal.exec.salt.SaltWorkerSupervisor;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.testutil.ProcessProbe;
import io.opsagent.fsm.testutil.RealSalt;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resident Salt worker against real upstream Salt ({@link RealSalt}; skipped where it is
 * absent): the same results as salt-call per state, cancel and timeouts that kill the whole
 * tree, replacement after a crash, after N states and after a Salt upgrade, the fallback to
 * salt-call, and no password left in Salt's cache.
 *
 * <p>The first executor of the class starts from nothing: its first state runs through salt-call
 * while the worker starts after it, which asks salt-call for its interpreter and compiles Salt's
 * bytecode ({@link #saltRunsOnceFromNothing}). Every test then starts from a work directory where
 * Salt ran before, as an agent's does after its first state: the interpreter remembered and the
 * bytecode cached, copied from that first run. That saves two salt-call start-ups and a compile
 * per test. The bytecode test starts without the cache, and the tests of a worker's retirement
 * after N states or above a memory limit without the remembered interpreter, so that their
 * warm-up state runs through salt-call and no worker counts it.
 */
@Timeout(180)
class SaltWorkerRealSaltTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** The work directory of the class's first executor, where Salt ran once. */
    @TempDir
    static Path seasoned;

    @TempDir
    Path tmp;

    private Path saltCall;
    private final List<SaltCallExecutor> executors = new ArrayList<>();
    private final ProcessProbe sleeps = ProcessProbe.sleepToken();

    @BeforeAll
    static void saltRunsOnceFromNothing() throws IOException {
        SaltCallExecutor first = new SaltCallExecutor(RealSalt.require(), seasoned.resolve("salt-config"),
                seasoned.resolve("work"), HostFacts.unknown(), ProcessLauncher.standard(), SaltWorkerSettings.defaults());
        try {
            assertThat(run(first, file(seasoned.resolve("first.txt").toString(), "w"), false, MINUTE).success()).isTrue();
            assertThat(first.workerSupervisor().startedWorkers())
                    .as("workers started for the first state: it runs through salt-call, the interpreter being unknown")
                    .isZero();
            assertThat(first.awaitWorker()).as("the worker started after the first state").isTrue();
            assertThat(first.workerSupervisor().startedWorkers()).isEqualTo(1);
        } finally {
            first.close();
        }
        assertThat(seasoned.resolve("work").resolve("salt-interpreter.json")).isRegularFile();
        assertThat(seasoned.resolve("work").resolve("salt-bytecode")).isDirectory();
    }

    @BeforeEach
    void needsRealSaltAndAWorkDirWhereSaltRanBefore() throws IOException {
        saltCall = RealSalt.require();
        copyTree(seasoned.resolve("work"), tmp.resolve("work"));
    }

    @AfterEach
    void stopWorkersAndLeftovers() {
        executors.forEach(SaltCallExecutor::close);
        for (long pid : sleeps.pids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void theWorkerGivesTheSameResultsAsSaltCallPerState() throws Exception {
        SaltCallExecutor viaWorker = warmedUp(executor(SaltWorkerSettings.defaults()));
        SaltCallExecutor viaSaltCall = executor(SaltWorkerSettings.off());

        List<StateResult> worker = scenario(viaWorker, tmp.resolve("w"));
        List<StateResult> perCall = scenario(viaSaltCall, tmp.resolve("c"));

        assertThat(viaWorker.workerSupervisor().startedWorkers()).isEqualTo(1);
        assertThat(viaWorker.workerSupervisor().unavailableReason()).isEmpty();
        assertThat(worker).hasSameSizeAs(perCall);
        for (int i = 0; i < worker.size(); i++) {
            StateResult w = worker.get(i);
            StateResult c = perCall.get(i);
            assertThat(w.success()).as("success of step %d", i).isEqualTo(c.success());
            assertThat(w.changed()).as("changed of step %d", i).isEqualTo(c.changed());
            assertThat(w.comment().replace(tmp.resolve("w").toString(), "DIR"))
                    .as("comment of step %d", i).isEqualTo(c.comment().replace(tmp.resolve("c").toString(), "DIR"));
            assertThat(w.stdout()).as("output of step %d", i).isEqualTo(c.stdout());
        }
        // the scenario's own expectations, so that two equally wrong paths cannot pass
        assertThat(worker).extracting(StateResult::success).containsExactly(true, true, true, true, false);
        assertThat(worker).extracting(StateResult::changed).containsExactly(true, false, true, true, true);
        assertThat(Files.readString(tmp.resolve("w/a.txt"))).isEqualTo("two");
    }

    @Test
    void saltsModulesAreLoadedFromBytecodeNotCompiledForEveryState() throws Exception {
        FileTrees.delete(tmp.resolve("work").resolve("salt-bytecode")); // the worker must write it itself
        SaltCallExecutor executor = warmedUp(executor(SaltWorkerSettings.defaults()));
        assertThat(run(executor, file(tmp.resolve("b.txt").toString(), "b"), false, MINUTE).success()).isTrue();
        Path saltDir = executor.workerSupervisor().workerSaltDir().orElseThrow();
        Path source = saltDir.resolve("states/file.py");
        assertThat(source).isRegularFile();

        List<Path> compiled = new ArrayList<>();
        Path beside = saltDir.resolve("states/__pycache__");
        Path ownCache = tmp.resolve("work/salt-bytecode").resolve(saltDir.getRoot().relativize(saltDir)).resolve("states");
        for (Path dir : List.of(beside, ownCache)) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().matches("file\\.cpython-\\d+\\.pyc")).forEach(compiled::add);
                }
            }
        }
        assertThat(compiled).as("bytecode of %s beside it or in the worker's cache", source).isNotEmpty();
    }

    /** New file, unchanged, dry run of a change, the change, a failing command. */
    private List<StateResult> scenario(SaltCallExecutor executor, Path dir) throws IOException {
        Files.createDirectories(dir);
        String path = dir.resolve("a.txt").toString();
        List<StateResult> out = new ArrayList<>();
        out.add(run(executor, file(path, "one"), false, MINUTE));
        out.add(run(executor, file(path, "one"), false, MINUTE));
        out.add(run(executor, file(path, "two"), true, MINUTE));
        out.add(run(executor, file(path, "two"), false, MINUTE));
        out.add(run(executor, cmd("echo out; exit 3", 60), false, MINUTE));
        return out;
    }

    @Test
    void cancelKillsTheWorkerAndEveryProcessOfTheStateAndTheNextStateGetsANewWorker() throws Exception {
        SaltCallExecutor executor = warmedUp(executor(SaltWorkerSettings.defaults()));
        long firstWorker = executor.workerSupervisor().workerPid().orElseThrow();

        ResultRecorder recorder = new ResultRecorder();
        StateExecution execution = executor.start(request(
                cmd("sleep " + sleeps.token() + " & sleep " + sleeps.token(), 600), false, MINUTE), recorder);
        Await.until(() -> sleeps.pidsRunning("sleep").size() == 2, Duration.ofSeconds(60), "the two sleeps of the state");
        List<Long> tree = new ArrayList<>(sleeps.pids());
        tree.add(firstWorker);
        execution.cancel();

        StateResult r = recorder.await();
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("cancelled; killed the Salt worker and every process it started");
        assertThat(tree).allSatisfy(pid -> assertThat(running(pid)).as("pid %d", pid).isFalse());

        assertThat(run(executor, file(tmp.resolve("x.txt").toString(), "y"), false, MINUTE).success()).isTrue();
        assertThat(executor.awaitWorker()).isTrue();
        assertThat(executor.workerSupervisor().startedWorkers()).isEqualTo(2);
        assertThat(executor.workerSupervisor().workerPid().orElseThrow()).isNotEqualTo(firstWorker);
    }

    @Test
    void aCommandTimeoutBoundsTheStateThroughTheWorkerAndLeavesNoProcess() throws Exception {
        SaltCallExecutor executor = warmedUp(executor(SaltWorkerSettings.defaults()));
        String command = "sleep " + sleeps.token() + " & sleep " + sleeps.token();

        StateResult r = run(executor, cmd(command, 2), false, MINUTE);

        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("Command \"" + command + "\" timed out after 2 s"
                + "; killed the Salt worker and every process it started");
        assertThat(sleeps.pids()).allSatisfy(pid -> assertThat(running(pid)).as("pid %d", pid).isFalse());
    }

    @Test
    void aCommandTimeoutBoundsTheStateThroughSaltCallAndLeavesNoProcess() throws Exception {
        SaltCallExecutor executor = executor(SaltWorkerSettings.off());
        String command = "sleep " + sleeps.token() + " & sleep " + sleeps.token();

        StateResult r = run(executor, cmd(command, 2), false, MINUTE);

        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("Command \"" + command + "\" timed out after 2 s; killed ");
        for (long pid : sleeps.pids()) {
            Await.until(() -> !running(pid), Duration.ofSeconds(10), "pid " + pid + " to be gone");
        }
    }

    @Test
    void aCrashedWorkerIsReplacedBeforeTheNextState() throws Exception {
        SaltCallExecutor executor = warmedUp(executor(SaltWorkerSettings.defaults()));
        long pid = executor.workerSupervisor().workerPid().orElseThrow();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        // Dead, reaped or not: until this JVM has reaped it, the executor's Process still counts a
        // killed worker (a zombie) as alive and sends it the next state, which must then go to a new one.
        Await.until(() -> !running(pid), Duration.ofSeconds(10), "the worker to die");

        StateResult r = run(executor, file(tmp.resolve("a.txt").toString(), "b"), false, MINUTE);

        assertThat(r.success()).as("success; comment: %s", r.comment()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(executor.awaitWorker()).isTrue();
        assertThat(executor.workerSupervisor().startedWorkers()).isEqualTo(2);
        assertThat(executor.workerSupervisor().workerPid().orElseThrow()).isNotEqualTo(pid);
    }

    @Test
    void theWorkerIsReplacedAfterItsNumberOfStates() throws Exception {
        forgetTheInterpreter(); // so the warm-up state runs through salt-call and counts for no worker
        SaltCallExecutor executor = warmedUp(executor(new SaltWorkerSettings(true, null, 2, 512)));
        for (String content : List.of("1", "2")) {
            assertThat(run(executor, file(tmp.resolve("n.txt").toString(), content), false, MINUTE).success()).isTrue();
        }
        assertThat(run(executor, file(tmp.resolve("n.txt").toString(), "3"), false, MINUTE).success()).isTrue();
        assertThat(executor.awaitWorker()).isTrue();
        assertThat(executor.workerSupervisor().startedWorkers()).isEqualTo(2);
        assertThat(Files.readString(tmp.resolve("n.txt"))).isEqualTo("3");
    }

    @Test
    void theWorkerIsReplacedWhenItsMemoryPassesTheLimit() throws Exception {
        forgetTheInterpreter(); // so the warm-up state runs through salt-call, not a worker retired after it
        SaltCallExecutor executor = warmedUp(executor(new SaltWorkerSettings(true, null, 500, 1)));
        long first = executor.workerSupervisor().workerPid().orElseThrow();
        assertThat(run(executor, file(tmp.resolve("r.txt").toString(), "1"), false, MINUTE).success()).isTrue();
        assertThat(run(executor, file(tmp.resolve("r.txt").toString(), "2"), false, MINUTE).success()).isTrue();

        // the second state waited for a new worker, which was retired after it in turn
        assertThat(executor.workerSupervisor().startedWorkers()).isEqualTo(2);
        assertThat(running(first)).isFalse();
        assertThat(Files.readString(tmp.resolve("r.txt"))).isEqualTo("2");
    }

    @Test
    void theWorkerIsReplacedWhenSaltChangesOnTheHost() throws Exception {
        Path wrapper = tmp.resolve("salt-call");
        Files.writeString(wrapper, "#!/bin/sh\nexec " + saltCall + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        SaltCallExecutor executor = warmedUp(track(new SaltCallExecutor(wrapper, tmp.resolve("salt-config"),
                tmp.resolve("work"), HostFacts.unknown(), ProcessLauncher.standard(), SaltWorkerSettings.defaults())));
        assertThat(run(executor, file(tmp.resolve("u.txt").toString(), "2"), false, MINUTE).success()).isTrue();
        long first = executor.workerSupervisor().workerPid().orElseThrow();

        Files.setLastModifiedTime(wrapper, FileTime.fromMillis(Files.getLastModifiedTime(wrapper).toMillis() + 60_000));
        assertThat(run(executor, file(tmp.resolve("u.txt").toString(), "3"), false, MINUTE).success()).isTrue();

        assertThat(executor.awaitWorker()).isTrue();
        assertThat(executor.workerSupervisor().startedWorkers()).isEqualTo(2);
        assertThat(running(first)).isFalse();
    }

    @Test
    void aWorkerThatCannotStartFallsBackToSaltCallPerState() throws Exception {
        SaltCallExecutor executor = executor(new SaltWorkerSettings(true, tmp.resolve("no-such-python"), 500, 512));

        StateResult r = run(executor, file(tmp.resolve("f.txt").toString(), "f"), false, MINUTE);

        assertThat(r.success()).isTrue();
        assertThat(Files.readString(tmp.resolve("f.txt"))).isEqualTo("f");
        SaltWorkerSupervisor supervisor = executor.workerSupervisor();
        assertThat(executor.awaitWorker()).isFalse();
        assertThat(run(executor, file(tmp.resolve("f.txt").toString(), "g"), false, MINUTE).success()).isTrue();
        assertThat(supervisor.unavailableReason()).contains(
                "the interpreter " + tmp.resolve("no-such-python") + " is missing or not executable");
        assertThat(supervisor.startedWorkers()).isZero();
    }

    @Test
    void aClearTextPasswordIsNotLeftInSaltsFiles() throws Exception {
        String password = "pw-" + ThreadLocalRandom.current().nextLong(1_000_000_000L, 9_999_999_999L);
        RecipeState user = new RecipeState("u1", "linux.user", obj("{'username': 'opsagent-test-nobody', 'password': '"
                + password + "'}"));
        for (SaltCallExecutor executor : List.of(warmedUp(executor(SaltWorkerSettings.defaults())),
                executor(SaltWorkerSettings.off()))) {
            StateResult r = run(executor, user, true, MINUTE);
            assertThat(r.comment()).doesNotContain(password);
        }
        assertThat(filesContaining(tmp.resolve("salt-config"), password)).isEmpty();
        assertThat(filesContaining(tmp.resolve("work"), password)).isEmpty();
    }

    @Test
    void theWorkerAnswersMalformedRequestsWithClearErrorsAndKeepsServing() throws Exception {
        Process grains = new ProcessBuilder(SaltInterpreter.grainsCommand(saltCall, null)).redirectErrorStream(false).start();
        String grainsOut = new String(grains.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(grains.waitFor()).isZero();
        SaltInterpreter python = SaltInterpreter.fromGrains(grainsOut, new StringBuilder()).orElseThrow();
        Path script = tmp.resolve(SaltWorkerSupervisor.SCRIPT_NAME);
        try (var in = SaltWorkerSupervisor.class.getResourceAsStream("/io/opsagent/fsm/salt/" + SaltWorkerSupervisor.SCRIPT_NAME)) {
            Files.copy(in, script);
        }
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Files.writeString(root.resolve("vops.sls"), "#!json\n{\"f1\": {\"file.managed\": [{\"name\": \""
                + tmp.resolve("m.txt") + "\"}, {\"contents\": \"m\"}]}}\n");
        ResidentProcess worker = ProcessLauncher.standard().startResident(List.of(python.python().toString(),
                script.toString(), "--file-root=" + root, "--config-dir=" + tmp.resolve("salt-config")),
                python.environment(), List.of(), line -> { });
        try {
            new io.opsagent.fsm.internal.exec.salt.SaltConfigDir(tmp.resolve("salt-config")).ensure();
            assertThat(worker.readLine(65536).orElseThrow()).startsWith("{\"ready\":true,");

            worker.writeLine("not json");
            assertThat(worker.readLine(65536).orElseThrow()).startsWith("{\"error\":\"malformed request (not JSON): ");
            worker.writeLine("[1, 2]");
            assertThat(worker.readLine(65536).orElseThrow()).isEqualTo("{\"error\":\"malformed request (not a JSON object)\"}");
            worker.writeLine("{\"test\": \"yes\"}");
            assertThat(worker.readLine(65536).orElseThrow())
                    .isEqualTo("{\"error\":\"malformed request: \\\"test\\\" is not true or false\"}");

            worker.writeLine("{\"test\": false}");
            assertThat(worker.readLine(16 << 20).orElseThrow()).startsWith("{\"retcode\":0,").contains("\"result\":true");
            assertThat(Files.readString(tmp.resolve("m.txt"))).isEqualTo("m\n"); // contents as Salt writes them
        } finally {
            worker.killTreeAndAwaitGone();
        }
    }

    // ---------------------------------------------------------------- helpers

    private SaltCallExecutor executor(SaltWorkerSettings settings) {
        return track(new SaltCallExecutor(saltCall, tmp.resolve("salt-config"), tmp.resolve("work"), HostFacts.unknown(),
                ProcessLauncher.standard(), settings));
    }

    /** Runs a first state (through salt-call, the worker starting after it) and waits for the worker. */
    private SaltCallExecutor warmedUp(SaltCallExecutor executor) {
        assertThat(run(executor, file(tmp.resolve("warm-up.txt").toString(), "w"), false, MINUTE).success()).isTrue();
        assertThat(executor.awaitWorker()).as("the worker is ready").isTrue();
        return executor;
    }

    /** Removes the remembered interpreter: the first state runs through salt-call, which is then asked for it. */
    private void forgetTheInterpreter() throws IOException {
        Files.delete(tmp.resolve("work").resolve("salt-interpreter.json"));
    }

    /** Copies the files under {@code from} to the same places under {@code to}. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private SaltCallExecutor track(SaltCallExecutor executor) {
        executors.add(executor);
        return executor;
    }

    private static RecipeState file(String path, String content) {
        JsonObject p = new JsonObject();
        p.addProperty("path", path);
        p.addProperty("content", content);
        return io.opsagent.fsm.testutil.Json.state("f1", "linux.file", p);
    }

    private static RecipeState cmd(String command, int timeoutSeconds) {
        JsonObject p = new JsonObject();
        p.addProperty("cmd", command);
        p.addProperty("timeout", timeoutSeconds);
        return io.opsagent.fsm.testutil.Json.state("c1", "linux.cmd", p);
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid);
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return true; // gone meanwhile
        }
    }

    private static List<Path> filesContaining(Path root, String text) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).filter(f -> contains(f, needle)).toList();
        }
    }

    private static boolean contains(Path file, byte[] needle) {
        try {
            byte[] b = Files.readAllBytes(file);
            outer:
            for (int i = 0; i + needle.length <= b.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (b[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static StateResult run(SaltCallExecutor executor, RecipeState state, boolean dryRun, Duration timeout) {
        ResultRecorder recorder = new ResultRecorder();
        executor.start(request(state, dryRun, timeout), recorder);
        StateResult r = recorder.await(Duration.ofSeconds(120));
        assertThat(recorder.calls()).isEqualTo(1);
        return r;
    }

    private static StateRequest request(RecipeState state, boolean dryRun, Duration timeout) {
        return new StateRequest(7, state, dryRun, timeout);
    }
}
