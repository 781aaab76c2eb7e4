package io.opsagent.fsm.internal.exec.salt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ResidentProcess;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent's side of the worker protocol, against stand-in workers written in sh. */
@Timeout(60)
class SaltWorkerTest {

    private final List<ResidentProcess> started = new ArrayList<>();

    @AfterEach
    void killStandIns() {
        started.forEach(ResidentProcess::killTreeAndAwaitGone);
    }

    @Test
    void aReplyIsParsedByTheSaltCallRules() throws Exception {
        StateResult r = SaltWorker.parseReply("{\"retcode\":0,\"return\":{\"file_|-a_|-/x_|-managed\":"
                + "{\"result\":true,\"comment\":\"File /x updated\",\"changes\":{\"diff\":\"New file\"},\"__run_num__\":0}}}", false);
        assertThat(r.success()).isTrue();
        assertThat(r.changed()).isTrue();
        assertThat(r.comment()).isEqualTo("File /x updated\nChanges: new file");
    }

    @Test
    void aListOfMessagesIsAFailureWithThem() throws Exception {
        StateResult r = SaltWorker.parseReply("{\"retcode\":1,\"return\":[\"No matching sls found for 'vops' in env 'base'\"]}", false);
        assertThat(r.success()).isFalse();
        assertThat(r.comment()).isEqualTo("No matching sls found for 'vops' in env 'base'");
    }

    @Test
    void aReplyThatIsNotJsonIsAProtocolError() {
        assertThatThrownBy(() -> SaltWorker.parseReply("Traceback (most recent call last):", false))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("its reply is not a JSON object: \"Traceback (most recent call last):\"");
    }

    @Test
    void aReplyWithoutRetcodeAndReturnIsAProtocolError() {
        assertThatThrownBy(() -> SaltWorker.parseReply("{\"return\":{}}", false))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("its reply has no \"retcode\" and \"return\": \"{\"return\":{}}\"");
    }

    @Test
    void aRefusedRequestIsAProtocolErrorWithTheWorkersReason() {
        assertThatThrownBy(() -> SaltWorker.parseReply("{\"error\":\"malformed request (not JSON): x\"}", false))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("it refused the request: malformed request (not JSON): x");
    }

    @Test
    void aWorkerThatPrintsGarbageFirstIsNotReady() throws Exception {
        ResidentProcess p = standIn("echo 'ImportError: no module named salt'; exec cat >/dev/null");
        assertThatThrownBy(() -> SaltWorker.awaitReady(p))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("its first line is not a JSON object: \"ImportError: no module named salt\"");
    }

    @Test
    void aWorkerThatExitsBeforeItIsReadyIsNotReady() throws Exception {
        ResidentProcess p = standIn("exit 5");
        assertThatThrownBy(() -> SaltWorker.awaitReady(p))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("it exited with code 5 before it was ready");
    }

    @Test
    void aWorkerThatSaysSaltDidNotLoadIsNotReady() throws Exception {
        ResidentProcess p = standIn("echo '{\"ready\":false,\"error\":\"ModuleNotFoundError: tornado\"}'");
        assertThatThrownBy(() -> SaltWorker.awaitReady(p))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("Salt did not load: ModuleNotFoundError: tornado");
    }

    @Test
    void aWorkerThatAnswersGarbageOrDiesMidStateIsReportedAndNotReused() throws Exception {
        SaltWorker garbage = SaltWorker.awaitReady(standIn(
                "echo '{\"ready\":true,\"salt_version\":\"3007.0\"}'; read line; echo 'oops'; exec cat >/dev/null"));
        assertThat(garbage.saltVersion()).isEqualTo("3007.0");
        assertThatThrownBy(() -> garbage.apply(false))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("its reply is not a JSON object: \"oops\"");

        SaltWorker dying = SaltWorker.awaitReady(standIn("echo '{\"ready\":true}'; read line; exit 9"));
        assertThatThrownBy(() -> dying.apply(true))
                .isInstanceOf(SaltWorker.SaltWorkerException.class)
                .hasMessage("it exited with code 9 while applying the state; its messages are in the agent's log");
    }

    @Test
    void aWorkerThatEndedBeforeTheStateIsToldApartFromOneThatDiedApplyingIt() throws Exception {
        ResidentProcess process = standIn("echo '{\"ready\":true}'; exit 3");
        SaltWorker ended = SaltWorker.awaitReady(process);
        assertThat(process.awaitExit(Duration.ofSeconds(30))).isTrue();

        // Its input has no reader any more: the state cannot have reached it, so it may run elsewhere.
        assertThatThrownBy(() -> ended.apply(false))
                .isInstanceOf(SaltWorker.NotDelivered.class)
                .hasMessageStartingWith("it had exited with code 3 before it was sent the state (");
        assertThat(ended.states()).isZero();
    }

    @Test
    void theRequestSaysWhetherItIsADryRun() throws Exception {
        SaltWorker echo = SaltWorker.awaitReady(standIn("echo '{\"ready\":true}'; while read line; do "
                + "case $line in *'\"test\":true'*) t=null ;; *) t=true ;; esac; "
                + "echo '{\"retcode\":0,\"return\":{\"a\":{\"result\":'$t',\"comment\":\"c\",\"changes\":{},\"__run_num__\":0}}}'; done"));
        assertThat(echo.apply(true).changed()).isTrue();
        assertThat(echo.apply(false).changed()).isFalse();
        assertThat(echo.states()).isEqualTo(2);
    }

    /**
     * Salt's loader loads its modules anew for every state run: without bytecode on disk each
     * load compiles the source again. Where Python is told not to write bytecode beside the
     * sources, the worker keeps it in its own directory.
     */
    @Test
    void theWorkerKeepsSaltsBytecodeInItsOwnDirectoryWherePythonMayNotWriteItBesideTheSources(@TempDir Path tmp)
            throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3");
        Path pkg = Files.createDirectories(tmp.resolve("lib/salt"));
        Files.writeString(pkg.resolve("__init__.py"), "");
        Files.writeString(pkg.resolve("states.py"), "X = 1\n");
        Path worker = tmp.resolve(SaltWorkerSupervisor.SCRIPT_NAME);
        try (var in = SaltWorkerSupervisor.class.getResourceAsStream(SaltWorkerSupervisor.SCRIPT_RESOURCE)) {
            Files.copy(in, worker);
        }
        String probe = "import importlib.util, sys\n"
                + "spec = importlib.util.spec_from_file_location('w', sys.argv[1])\n"
                + "w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)\n"
                + "w._keep_bytecode(sys.argv[2])\n"
                + "import salt.states\n"
                + "print(sys.pycache_prefix, sys.dont_write_bytecode)\n";
        Path cache = tmp.resolve("bytecode");

        String forbidden = runPython(python, probe, worker, cache, tmp.resolve("lib"), true);
        assertThat(forbidden).isEqualTo(cache + " False");
        try (var files = Files.walk(cache)) {
            assertThat(files.map(Path::toString)).anyMatch(f -> f.startsWith(cache + pkg.toString() + "/states.") && f.endsWith(".pyc"));
        }
        assertThat(pkg.resolve("__pycache__")).doesNotExist();

        String allowed = runPython(python, probe, worker, tmp.resolve("unused"), tmp.resolve("lib"), false);
        assertThat(allowed).isEqualTo("None False");
        assertThat(tmp.resolve("unused")).doesNotExist();
    }

    private static String runPython(Path python, String code, Path worker, Path cache, Path lib, boolean noBytecode)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", code, worker.toString(), cache.toString());
        pb.environment().put("PYTHONPATH", lib.toString());
        pb.environment().remove("PYTHONPYCACHEPREFIX");
        if (noBytecode) {
            pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        } else {
            pb.environment().remove("PYTHONDONTWRITEBYTECODE");
        }
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    private ResidentProcess standIn(String script) throws IOException {
        ResidentProcess p = ProcessLauncher.standard().startResident(List.of("/bin/sh", "-c", script), Map.of(), List.of(),
                line -> { });
        started.add(p);
        return p;
    }
}
