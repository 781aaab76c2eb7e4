package io.opsagent.fsm.exec;

import static io.opsagent.fsm.testutil.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.salt.HostFacts;
import io.opsagent.fsm.protocol.RecipeState;
import io.opsagent.fsm.spi.StateRequest;
import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.testutil.ProcessProbe;
import io.opsagent.fsm.testutil.ResultRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the Salt worker starts, against a stand-in salt-call (it logs each call: {@code state}
 * or {@code grains}, with start and end) and a stand-in interpreter that speaks the worker
 * protocol: on a new host the first state runs through salt-call alone and the interpreter is
 * asked for after it; the answer is remembered in the work directory, so a restarted agent's
 * first state runs through the worker without any salt-call; a remembered interpreter that
 * fails is forgotten and asked for again.
 */
@Timeout(120)
class SaltWorkerStartTest {

    private static final RecipeState FILE = new RecipeState("f1", "linux.file", obj("{'path': '/tmp/fx/a.txt', 'content': 'hi'}"));
    private static final String REPLY = "{\"retcode\":0,\"return\":{\"file_|-f1_|-/tmp/fx/a.txt_|-managed\":"
            + "{\"result\":true,\"comment\":\"through the worker\",\"changes\":{},\"__run_num__\":0}}}";

    @TempDir
    Path tmp;

    private Path log;
    private Path saltCall;
    private Path python;
    private final List<SaltCallExecutor> executors = new ArrayList<>();

    @BeforeEach
    void standIns() throws IOException {
        log = tmp.resolve("calls.log");
        python = script("python", "echo \"worker $$\" >> " + log + "\n"
                + "echo '{\"ready\":true,\"salt_version\":\"3007.0\",\"salt_dir\":\"" + tmp.resolve("salt") + "\",\"pid\":'$$'}'\n"
                + "while read line; do echo '" + REPLY + "'; done\n");
        Path stdout = tmp.resolve("state-stdout.json");
        Files.write(stdout, getClass().getResourceAsStream("/salt-fixtures/02-file-managed-unchanged/stdout.txt").readAllBytes());
        saltCall = script("salt-call", "case \"$*\" in\n"
                + "*grains.item*) echo 'grains start' >> " + log + "\n"
                + "  echo '{\"local\": {\"pythonexecutable\": \"" + python + "\", \"pythonpath\": []}}'\n"
                + "  echo 'grains end' >> " + log + " ;;\n"
                + "*) echo 'state start' >> " + log + "\n"
                + "  cat " + stdout + "\n"
                + "  echo 'state end' >> " + log + " ;;\n"
                + "esac\n");
    }

    @AfterEach
    void closeAndKillStandIns() {
        executors.forEach(SaltCallExecutor::close);
        for (long pid : ProcessProbe.of(tmp.toString()).pids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void onANewHostTheFirstStateRunsThroughSaltCallAloneAndTheInterpreterIsAskedForAfterIt() throws Exception {
        SaltCallExecutor executor = executor();

        StateResult first = run(executor);
        assertThat(first.comment()).isEqualTo("File /tmp/fx/a.txt is in the correct state");
        assertThat(executor.awaitWorker()).isTrue();

        assertThat(calls()).containsExactly("state start", "state end", "grains start", "grains end", "worker");
        assertThat(run(executor).comment()).isEqualTo("through the worker");
        assertThat(Files.readString(tmp.resolve("work/salt-interpreter.json"))).contains("\"python\":\"" + python + "\"");
    }

    @Test
    void aRememberedInterpreterLetsTheFirstStateOfANewExecutorRunThroughTheWorkerWithoutSaltCall() throws Exception {
        SaltCallExecutor before = executor();
        run(before);
        assertThat(before.awaitWorker()).isTrue();
        before.close();
        Files.delete(log);

        SaltCallExecutor restarted = executor();
        StateResult first = run(restarted);

        assertThat(first.comment()).isEqualTo("through the worker");
        assertThat(restarted.workerSupervisor().startedWorkers()).isEqualTo(1);
        assertThat(calls()).containsExactly("worker");
    }

    @Test
    void aRememberedInterpreterThatFailsIsForgottenAndAskedForAgain() throws Exception {
        SaltCallExecutor before = executor();
        run(before);
        assertThat(before.awaitWorker()).isTrue();
        before.close();
        Path remembered = tmp.resolve("work/salt-interpreter.json");
        Files.writeString(remembered, Files.readString(remembered).replace(python.toString(), tmp.resolve("gone").toString()));
        Files.delete(log);

        SaltCallExecutor restarted = executor();
        StateResult first = run(restarted);

        assertThat(first.comment()).isEqualTo("File /tmp/fx/a.txt is in the correct state");
        assertThat(restarted.workerSupervisor().unavailableReason()).isEmpty();
        assertThat(run(restarted).success()).isTrue();
        assertThat(restarted.awaitWorker()).isTrue();
        assertThat(calls()).containsSubsequence("grains start", "grains end", "worker");
        assertThat(Files.readString(remembered)).contains("\"python\":\"" + python + "\"");
    }

    @Test
    void aRememberedInterpreterOfAnotherSaltCallIsNotUsed() throws Exception {
        SaltCallExecutor before = executor();
        run(before);
        assertThat(before.awaitWorker()).isTrue();
        before.close();
        Files.delete(log);
        Files.writeString(saltCall, Files.readString(saltCall) + "# upgraded\n");

        SaltCallExecutor restarted = executor();
        assertThat(run(restarted).comment()).isEqualTo("File /tmp/fx/a.txt is in the correct state");
        assertThat(restarted.awaitWorker()).isTrue();

        assertThat(calls()).containsExactly("state start", "state end", "grains start", "grains end", "worker");
    }

    @Test
    void aMalformedRememberedFileIsIgnored() throws Exception {
        Files.createDirectories(tmp.resolve("work"));
        Files.writeString(tmp.resolve("work/salt-interpreter.json"), "{\"salt_call\": [1, 2], \"python\": 7");

        SaltCallExecutor executor = executor();
        assertThat(run(executor).comment()).isEqualTo("File /tmp/fx/a.txt is in the correct state");
        assertThat(executor.awaitWorker()).isTrue();

        assertThat(calls()).containsExactly("state start", "state end", "grains start", "grains end", "worker");
        assertThat(Files.readString(tmp.resolve("work/salt-interpreter.json"))).contains("\"python\":\"" + python + "\"");
    }

    // ---------------------------------------------------------------- helpers

    private SaltCallExecutor executor() {
        SaltCallExecutor e = new SaltCallExecutor(saltCall, tmp.resolve("salt-config"), tmp.resolve("work"),
                HostFacts.unknown(), ProcessLauncher.standard(), SaltWorkerSettings.defaults());
        executors.add(e);
        return e;
    }

    private static StateResult run(SaltCallExecutor executor) {
        ResultRecorder recorder = new ResultRecorder();
        executor.start(new StateRequest(1, FILE, false, Duration.ofMinutes(1)), recorder);
        return recorder.await();
    }

    /** The stand-ins' log, the worker's pid dropped. */
    private List<String> calls() throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> l.startsWith("worker ") ? "worker" : l).toList();
    }

    private Path script(String name, String body) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
