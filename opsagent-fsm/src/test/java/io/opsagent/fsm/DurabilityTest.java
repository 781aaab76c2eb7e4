package io.opsagent.fsm;

import static io.opsagent.fsm.AgentHarness.cmd;
import static io.opsagent.fsm.AgentHarness.recipe;
import static io.opsagent.fsm.AgentHarness.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Executables;
import io.opsagent.fsm.internal.exec.process.ManagedProcess;
import io.opsagent.fsm.internal.exec.process.OutputLimit;
import io.opsagent.fsm.internal.exec.process.ProcessLauncher;
import io.opsagent.fsm.internal.exec.process.ProcessLedger;
import io.opsagent.fsm.internal.exec.process.ProcessSpec;
import io.opsagent.fsm.internal.store.RoundStore;
import io.opsagent.fsm.testutil.ProcessProbe;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.protocol.StateDone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent with a state directory picks up where it was after a restart, even without a backend. */
class DurabilityTest {

    @TempDir
    Path dir;

    private final List<AgentHarness> agents = new ArrayList<>();

    private AgentHarness agent() {
        AgentHarness h = new AgentHarness(b -> b.stateDirectory(dir));
        agents.add(h);
        return h;
    }

    /** Lets every pending save finish before the folder is removed. */
    @AfterEach
    void closeAgents() {
        for (AgentHarness h : agents) {
            h.agent.close();
            h.loop.runUntilIdle();
        }
    }

    @Test
    void afterACrashTheRoundResumesAtTheStateThatWasRunning() {
        AgentHarness before = agent();
        before.receive(recipe(5, cmd("a"), cmd("b"), cmd("c")));
        before.succeed("a");
        before.executor.running("b");
        awaitSaved(5, "b", 1);
        // kill -9: the first agent is abandoned without close; only what reached the disk counts.

        AgentHarness after = agent();
        assertThat(after.state()).isEqualTo(RoundState.EXECUTING);
        assertThat(after.executor.running("b").request.recipeVersion()).isEqualTo(5);
        after.receive(recipe(5, cmd("a"), cmd("b"), cmd("c")));
        assertThat(after.executor.startedIds()).as("the re-push of version 5 is a duplicate").containsExactly("b");
        after.succeed("b");
        after.succeed("c");
        assertThat(after.logLines()).containsExactly("5:b:ok", "5:c:ok");
    }

    @Test
    void whatAStateLeftRunningBeforeTheRoundWasStoredIsToldInThatStatesNextStateLog() throws Exception {
        // A run killed right after a push: its state's process is recorded, round.json is not yet.
        ProcessLauncher launcher = new ProcessLauncher(Executables.findOnPath("setsid"), ExecThreads.io());
        ProcessProbe probe = ProcessProbe.sleepToken();
        ProcessLedger ledger = new ProcessLedger(dir.resolve("running.processes"));
        launcher.recordIn(ledger);
        ledger.runningState(3, "a");
        OutputLimit limit = OutputLimit.of(1024, 0);
        ManagedProcess left = launcher.start(new ProcessSpec(List.of("sleep", probe.token()), null, java.util.Map.of(),
                true, limit, limit));
        launcher.recordIn(null);
        assertThat(dir.resolve("round.json")).doesNotExist();

        AgentHarness after = agent();
        assertThat(left.outcome().get(10, java.util.concurrent.TimeUnit.SECONDS).exitCode()).as("killed at start")
                .isNotZero();
        assertThat(after.state()).as("nothing stored: it waits for the backend").isEqualTo(RoundState.IDLE);
        after.receive(recipe(3, AgentHarness.comment("c"), cmd("a"), cmd("b")));
        after.succeed("a");
        after.succeed("b");

        assertThat(after.logs()).extracting(l -> l.id() + ": " + l.stateComment()).containsExactly(
                "c: null",
                "a: killed 1 process(es) [" + left.pid() + "] that this state left running when the agent stopped,"
                        + " before running it again\napplied a",
                "b: applied b");
    }

    @Test
    void releasedWaitsAndTheRetryAttemptSurviveARestart() {
        AgentHarness before = agent();
        before.receive(recipe(6, waitFor("w"), cmd("a")));
        before.receive(new StateDone(6, "w"));
        before.fail("a");
        before.executor.running("a");
        awaitSaved(6, "a", 2);
        // kill -9: the first agent is abandoned without close; only what reached the disk counts.

        AgentHarness after = agent();
        assertThat(after.state()).isEqualTo(RoundState.RETRYING);
        after.fail("a");
        assertThat(after.state()).isEqualTo(RoundState.BACKOFF);
        after.loop.advanceToNextTimer();
        assertThat(after.entered).as("the released wait is still released").doesNotContain(RoundState.WAITING_FOR_DONE);
    }

    @Test
    void anAgentBetweenRoundsStartsANewRoundAtOnceAndKeepsItsPendingUpgrade() {
        AgentHarness before = agent();
        before.receive(recipe(7, cmd("a"), cmd("b")));
        before.receive(new AgentUpdate("3.1", null));
        before.succeed("a");
        awaitSaved(7, "b", 1);
        // kill -9: the first agent is abandoned without close; only what reached the disk counts.

        AgentHarness after = agent();
        assertThat(after.agent.snapshot().pendingUpgrade()).isEqualTo("3.1");
        after.succeed("b");
        assertThat(after.logLines()).containsExactly("7:b:ok", "7:agent-upgrade:3.1:fail");
        assertThat(after.agent.snapshot().pendingUpgrade()).as("no upgrader: the order fails, the agent goes on")
                .isNull();
        assertThat(after.state()).isEqualTo(RoundState.IDLE);
        after.advance(Duration.ofMinutes(10));
        assertThat(after.state()).isEqualTo(RoundState.EXECUTING);
    }

    @Test
    void aDamagedStateFileIsMovedAsideAndTheAgentStartsClean() throws Exception {
        Files.writeString(dir.resolve("round.json"), "opsagent-round 1 deadbeef\n{\"recipe\":");
        AgentHarness h = agent();
        assertThat(h.state()).isEqualTo(RoundState.IDLE);
        assertThat(h.agent.snapshot().recipeVersion()).isZero();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("round.json.corrupt-"));
        }
        h.receive(recipe(1, cmd("a")));
        assertThat(h.executor.startedIds()).containsExactly("a");
    }

    @Test
    void aLooseStateDirectoryIsTightenedAndTheRoundFileIsOwnerOnly() throws Exception {
        Path loose = Files.createDirectories(dir.resolve("loose"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxr-xr-x"));
        AgentHarness h = new AgentHarness(b -> b.stateDirectory(loose));
        agents.add(h);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(loose))).isEqualTo("rwx------");

        h.receive(recipe(3, cmd("a"), cmd("b")));
        h.succeed("a");
        awaitSaved(loose, 3, "b", 1);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(loose.resolve("round.json"))))
                .isEqualTo("rw-------");
        try (var files = Files.list(loose)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("round.json");
        }
    }

    private void awaitSaved(long version, String stateId, int attempt) {
        awaitSaved(dir, version, stateId, attempt);
    }

    private static void awaitSaved(Path dir, long version, String stateId, int attempt) {
        Await.until(() -> {
            return new RoundStore(dir).load()
                    .filter(r -> r.recipe().recipeVersion() == version)
                    .filter(r -> r.recipe().states().orElseThrow().get(r.index()).id().equals(stateId))
                    .filter(r -> r.attempt() == attempt)
                    .isPresent();
        }, "the round to be saved at " + stateId + " in attempt " + attempt);
    }
}
