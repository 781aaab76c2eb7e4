package io.opsagent.fsm.exec;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.salt.HostFacts;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.testutil.ProcessProbe;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Salt executor against a stand-in salt-call that replays recorded Salt runs. */
@Timeout(120)
class SaltCallExecutorTest {

    private static final RecipeState FILE = new RecipeState("s1", "linux.file", obj("{'path': '/tmp/fx/a.txt', 'content': 'hi'}"));
    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** Lets the first call (only) wait until the test writes a line into the capture dir's fifo. */
    private static final String HOLD_FIRST_CALL =
            "if mv \"$cap/hold\" \"$cap/hold.taken\" 2>/dev/null; then read line < \"$cap/fifo\"; fi";

    @TempDir
    Path tmp;

    /** A failed test must not leave a held or sleeping stand-in behind. */
    private final ProcessProbe sleeps = ProcessProbe.sleepToken();

    @AfterEach
    void killLeftovers() {
        for (ProcessProbe probe : List.of(ProcessProbe.of(tmp.toString()), sleeps)) {
            for (long pid : probe.pids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    // ---------------------------------------------------------------- recorded outcomes

    @Test
    void aSuccessfulRunIsASuccessThatChanged() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        StateResult r = run(fake, FILE, false);
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.comment()).isEqualTo("Changes: /tmp/fx/www: directory new\nFile /tmp/fx/www/index.html updated\nChanges: new file, mode 0640\nCommand \"ls /tmp/fx/www\" run");
        assertThat(r.stdout()).isEqualTo("index.html");
    }

    @Test
    void saltCallGetsTheRecommendedArgumentsAndAPrivateFileRootThatIsRemovedAfterwards() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        run(fake, FILE, false);

        List<String> argv = fake.argv();
        assertThat(argv).hasSize(7);
        assertThat(argv.get(4)).startsWith("--file-root=" + tmp.resolve("work").resolve("opsagent-salt-"));
        Path fileRoot = Path.of(argv.get(4).substring("--file-root=".length()));
        assertThat(argv).containsExactly(fake.script().toString(), "--local", "--out=json", "--retcode-passthrough",
                "--file-root=" + fileRoot, "state.sls", "vops");
        assertThat(fake.captured("root.mode")).isEqualTo("700");
        assertThat(fake.captured("sls.mode")).isEqualTo("600");
        assertThat(fake.captured("cwd")).isEqualTo(fileRoot.toString());
        assertThat(fileRoot).doesNotExist();
        assertThat(fake.sls()).isEqualTo("#!json\n{\n"
                + "  \"vops_s1_main\": {\"file.managed\": [\n"
                + "    {\"name\": \"/tmp/fx/a.txt\"},\n"
                + "    {\"mode\": \"0644\"},\n"
                + "    {\"source\": \"" + fileRoot.resolve("vops_s1_main.source") + "\"}]}\n"
                + "}\n");
    }

    @Test
    void aConfigDirIsPassedFirstAndGetsAMinionFile() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "02-file-managed-unchanged");
        Path config = tmp.resolve("salt-config");
        SaltCallExecutor executor = new SaltCallExecutor(fake.script(), config, tmp.resolve("work"),
                HostFacts.unknown(), ProcessLauncher.standard());
        run(executor, FILE, false, MINUTE);
        assertThat(fake.argv().get(1)).isEqualTo("--config-dir=" + config);
        assertThat(fake.argv().get(2)).isEqualTo("--local");
        assertThat(Files.readString(config.resolve("minion"))).contains("file_client: local");
    }

    @Test
    void anUnchangedRunReportsNoChange() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "02-file-managed-unchanged"), FILE, false);
        assertThat(r).isEqualTo(new StateResult(true, false, "File /tmp/fx/a.txt is in the correct state", null));
    }

    @Test
    void aDryRunAddsTestTrueAndReportsWouldChange() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17c-recommended-test-mode");
        StateResult r = run(fake, FILE, true);
        assertThat(fake.argv()).last().isEqualTo("test=True");
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.comment()).contains("The file /tmp/fx/www/index.html is set to be changed");
    }

    @Test
    void aFailingCommandIsAFailureWithItsOutput() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "08-cmd-run-fail.passthrough"), FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("Command \"echo out; echo err >&2; exit 3\" run");
        assertThat(r.stdout()).isEqualTo("out\nerr");
    }

    @Test
    void aFailedRequisiteIsAFailure() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "17b-recommended-failure"), FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).endsWith("One or more requisite failed: vops.vops_1_pre");
    }

    @Test
    void aRenderErrorIsAFailureWithSaltsText() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "17d-recommended-render-error"), FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("Rendering SLS vops failed, render error: Expecting value");
    }

    @Test
    void anUnknownStateFunctionIsAFailureWithSaltsText() throws Exception {
        assertThat(run(FakeSaltCall.replaying(tmp.resolve("a"), "11-unknown-state-function"), FILE, false).comment())
                .isEqualTo("Specified state 'file.nosuchfun' was not found");
        assertThat(run(FakeSaltCall.replaying(tmp.resolve("b"), "21-sls-unknown-state-function.passthrough"), FILE, false).comment())
                .startsWith("State 'file.nosuchfun' was not found in SLS 'vops'");
    }

    @Test
    void aCommandTimedOutBySaltIsAFailure() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "10-cmd-run-timeout.passthrough"), FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.stdout()).isEqualTo("sleep 5 : Timed out after 1 seconds");
    }

    @Test
    void nonAsciiOutputArrivesIntact() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "18-non-ascii-output"), FILE, false);
        assertThat(r.success()).isTrue();
        assertThat(r.stdout()).isEqualTo("héllo ✓");
        assertThat(r.comment()).isEqualTo("Command \"echo 'héllo ✓'\" run");
    }

    @Test
    void aRunRefusedBySaltBecauseAnotherIsGoingIsAFailureWithSaltsText() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "19-concurrent-run-refused"), FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("The function \"state.single\" is running as PID 6404");
    }

    @Test
    void aCrashWithoutJsonIsAFailureQuotingStderr() throws Exception {
        StateResult r = run(FakeSaltCall.replaying(tmp, "17f-trap-state-high-no-sls-keys"), FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("salt-call exited with code 1 and printed no result").endsWith("KeyError: '__sls__'");
    }

    @Test
    void aFloodOfOutputIsCappedWhileReadingAndFails() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success", "head -c 104857600 /dev/zero");
        StateResult r = run(fake, FILE, false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).matches("salt-call printed 1048\\d+ bytes on stdout, more than the 16777216 bytes the agent reads; "
                + "its result was not parsed");
    }

    // ---------------------------------------------------------------- refused before running

    @Test
    void anUnsupportedModuleFailsNamingItWithoutRunningSalt() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        StateResult r = run(fake, new RecipeState("s1", "linux.docker.running", obj("{'container': 'x'}")), false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("module linux.docker.running is not supported by the Salt executor");
        assertThat(fake.log()).isEmpty();
    }

    @Test
    void badParametersFailNamingTheParameterWithoutRunningSalt() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        assertThat(run(fake, new RecipeState("s1", "linux.file", obj("{'path': '/x', 'mode': ['0644']}")), false).comment())
                .startsWith("linux.file: parameter 'mode' must be an octal file mode");
        assertThat(run(fake, new RecipeState("s1", "linux.dir", obj("{'mode': '0755'}")), false).comment())
                .isEqualTo("linux.dir: missing required parameter 'path'");
        assertThat(fake.log()).isEmpty();
    }

    @Test
    void aMetaStateFailsClearly() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success");
        StateResult r = run(fake, new RecipeState("s1", "meta.comment", obj("{'comment': 'x'}")), false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("meta.comment is handled by the round machine itself and must never reach an executor");
    }

    @Test
    void aMissingSaltCallFailsClearly() {
        SaltCallExecutor executor = new SaltCallExecutor(tmp.resolve("no-such-salt-call"), null, tmp.resolve("work"),
                HostFacts.unknown(), ProcessLauncher.standard());
        StateResult r = run(executor, FILE, false, MINUTE);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("salt-call not found or not executable at " + tmp.resolve("no-such-salt-call"));
    }

    // ---------------------------------------------------------------- one run at a time

    @Test
    void aSecondCallWaitsForTheFirstToFinish() throws Exception {
        FakeSaltCall fake = holdingFake("17a-recommended-success", "");
        SaltCallExecutor executor = executor(fake);
        ResultRecorder first = new ResultRecorder();
        ResultRecorder second = new ResultRecorder();

        executor.start(request(FILE, false, MINUTE), first);
        Await.until(() -> log(fake).size() == 1, Duration.ofSeconds(20), "the first salt-call to start");
        executor.start(request(FILE, false, MINUTE), second);
        Await.until(() -> SaltCallExecutor.waitingRuns() == 1, Duration.ofSeconds(20), "the second call to queue");

        assertThat(log(fake)).hasSize(1);
        assertThat(second.isDone()).isFalse();

        release(fake);
        assertThat(first.await().success()).isTrue();
        assertThat(second.await().success()).isTrue();
        List<String> log = log(fake);
        assertThat(log).hasSize(4);
        assertThat(log.get(0)).startsWith("start ");
        assertThat(log.get(1)).isEqualTo("end " + log.get(0).substring(6));
        assertThat(log.get(2)).startsWith("start ");
        assertThat(log.get(3)).isEqualTo("end " + log.get(2).substring(6));
    }

    @Test
    void aCancelWhileWaitingForItsTurnIsReportedWithoutRunningSalt() throws Exception {
        FakeSaltCall fake = holdingFake("17a-recommended-success", "");
        SaltCallExecutor executor = executor(fake);
        ResultRecorder first = new ResultRecorder();
        ResultRecorder second = new ResultRecorder();
        executor.start(request(FILE, false, MINUTE), first);
        Await.until(() -> log(fake).size() == 1, Duration.ofSeconds(20), "the first salt-call to start");

        executor.start(request(FILE, false, MINUTE), second).cancel();

        assertThat(second.await().comment()).isEqualTo("cancelled");
        release(fake);
        assertThat(first.await().success()).isTrue();
        Await.until(() -> SaltCallExecutor.waitingRuns() == 0, Duration.ofSeconds(20), "the lane to drain");
        assertThat(log(fake)).hasSize(2);
        assertThat(second.calls()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- cancel and timeout

    @Test
    void cancelKillsSaltCallAndEveryProcessItStarted() throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, "17a-recommended-success",
                "sleep " + sleeps.token() + " & sleep " + sleeps.token());
        ResultRecorder recorder = new ResultRecorder();
        StateExecution execution = executor(fake).start(request(FILE, false, MINUTE), recorder);
        List<Long> tree = awaitTree(fake, sleeps);

        execution.cancel();
        execution.cancel();

        StateResult r = recorder.await();
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).startsWith("cancelled; killed ").contains("salt-call (pid ");
        assertAllDead(tree);
        assertThat(recorder.calls()).isEqualTo(1);
        assertThat(workDirEntries()).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private FakeSaltCall holdingFake(String fixture, String extra) throws Exception {
        FakeSaltCall fake = FakeSaltCall.replaying(tmp, fixture, HOLD_FIRST_CALL + "\n" + extra);
        Path capture = tmp.resolve("capture");
        Files.createFile(capture.resolve("hold"));
        Process mkfifo = new ProcessBuilder("mkfifo", capture.resolve("fifo").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        return fake;
    }

    private void release(FakeSaltCall fake) throws IOException {
        Files.writeString(tmp.resolve("capture/fifo"), "go\n", StandardCharsets.UTF_8);
    }

    private List<Long> awaitTree(FakeSaltCall fake, ProcessProbe sleeps) {
        Await.until(() -> sleeps.pidsRunning("sleep").size() == 2, Duration.ofSeconds(20), "two sleeps under the fake salt-call");
        List<Long> tree = new ArrayList<>(sleeps.pids());
        tree.addAll(ProcessProbe.of(fake.script().toString()).pids());
        assertThat(tree).hasSizeGreaterThanOrEqualTo(3);
        return tree;
    }

    private static void assertAllDead(List<Long> pids) {
        for (long pid : pids) {
            Await.until(() -> !ProcessProbe.alive(pid), Duration.ofSeconds(10), "pid " + pid + " to be gone");
        }
    }

    private List<Path> workDirEntries() throws IOException {
        Path work = tmp.resolve("work");
        if (!Files.exists(work)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(work)) {
            return s.toList();
        }
    }

    private static List<String> log(FakeSaltCall fake) {
        try {
            return fake.log();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SaltCallExecutor executor(FakeSaltCall fake) {
        return new SaltCallExecutor(fake.script(), null, tmp.resolve("work"), HostFacts.unknown(), ProcessLauncher.standard());
    }

    private StateResult run(FakeSaltCall fake, RecipeState state, boolean dryRun) {
        return run(executor(fake), state, dryRun, MINUTE);
    }

    private static StateResult run(SaltCallExecutor executor, RecipeState state, boolean dryRun, Duration timeout) {
        ResultRecorder recorder = new ResultRecorder();
        executor.start(request(state, dryRun, timeout), recorder);
        StateResult r = recorder.await();
        assertThat(recorder.calls()).isEqualTo(1);
        return r;
    }

    private static StateRequest request(RecipeState state, boolean dryRun, Duration timeout) {
        return new StateRequest(7, state, dryRun, timeout);
    }
}
