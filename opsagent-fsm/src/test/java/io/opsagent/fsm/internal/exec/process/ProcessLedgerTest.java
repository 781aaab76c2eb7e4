package io.opsagent.fsm.internal.exec.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.internal.exec.ExecThreads;
import io.opsagent.fsm.internal.exec.Executables;
import io.opsagent.fsm.Await;
import io.opsagent.fsm.testutil.ProcessProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger of running state processes: what one run of the agent left running, the next run
 * finds and kills — even a process that left the state's session — and a reused pid is spared.
 */
@Timeout(60)
class ProcessLedgerTest {

    private static final OutputLimit LIMIT = OutputLimit.of(64 * 1024, 0);

    @TempDir
    Path dir;

    @Test
    void whatAnAbandonedRunLeftIsKilledByTheNextOneEvenOutsideTheSession() throws Exception {
        ProcessLauncher launcher = new ProcessLauncher(Executables.findOnPath("setsid"), ExecThreads.io());
        assumeTrue(launcher.usesSessions(), "setsid not installed");
        ProcessProbe inSession = ProcessProbe.sleepToken();
        ProcessProbe ownSession = ProcessProbe.sleepToken();
        Path ledgerFile = dir.resolve("running.processes");
        launcher.recordIn(new ProcessLedger(ledgerFile));
        // The shell leaves a sleep in its session and one in a session of its own, then waits.
        ManagedProcess state = launcher.start(new ProcessSpec(List.of("/bin/sh", "-c",
                "sleep " + inSession.token() + " & setsid sleep " + ownSession.token() + " & wait"), null, Map.of(),
                true, LIMIT, LIMIT));
        Await.until(() -> inSession.pidsRunning("sleep").size() == 1 && ownSession.pidsRunning("sleep").size() == 1, Duration.ofSeconds(10),
                "both sleeps to run");
        assertThat(Files.readString(ledgerFile)).as("recorded with its session and start time")
                .matches("[0-9a-f-]{36} " + state.pid() + " [1-9][0-9]* 0 -\n");

        List<Long> sleeps = java.util.stream.Stream.concat(inSession.pidsRunning("sleep").stream(), ownSession.pidsRunning("sleep").stream())
                .toList();

        // The agent is gone without a word: the next run reads the same ledger.
        launcher.recordIn(null);
        List<Long> killed = new ProcessLedger(ledgerFile).killLeftovers();

        assertThat(killed).contains(state.pid()).containsAll(sleeps);
        Await.until(() -> inSession.pidsRunning("sleep").stream().allMatch(ProcessLedgerTest::goneOrZombie)
                && ownSession.pidsRunning("sleep").stream().allMatch(ProcessLedgerTest::goneOrZombie), Duration.ofSeconds(10),
                "both sleeps to be gone");
        assertThat(state.outcome().get(10, TimeUnit.SECONDS).exitCode()).isNotZero();
        assertThat(ledgerFile).doesNotExist();
    }

    @Test
    void theLeftoversNameTheStateTheirProcessWasStartedFor() throws Exception {
        ProcessLauncher launcher = new ProcessLauncher(Executables.findOnPath("setsid"), ExecThreads.io());
        ProcessProbe probe = ProcessProbe.sleepToken();
        Path ledgerFile = dir.resolve("running.processes");
        ProcessLedger ledger = new ProcessLedger(ledgerFile);
        launcher.recordIn(ledger);
        ledger.runningState(7, "web conf\nä");
        ManagedProcess state = launcher.start(new ProcessSpec(List.of("sleep", probe.token()), null, Map.of(), true,
                LIMIT, LIMIT));
        Await.until(() -> probe.pidsRunning("sleep").size() == 1, Duration.ofSeconds(10), "the sleep to run");
        assertThat(Files.readString(ledgerFile)).as("one line, the state's id encoded")
                .matches("[0-9a-f-]{36} [0-9]+ [0-9]+ 7 web\\+conf%0A%C3%A4\n");

        launcher.recordIn(null);
        ProcessLedger.Leftovers left = new ProcessLedger(ledgerFile).sweep();

        assertThat(left.killed()).contains(state.pid());
        assertThat(left.recipeVersion()).isEqualTo(7);
        assertThat(left.stateId()).isEqualTo("web conf\nä");
    }

    @Test
    void aFinishedProcessLeavesNothingInTheLedger() throws Exception {
        ProcessLauncher launcher = new ProcessLauncher(Executables.findOnPath("setsid"), ExecThreads.io());
        Path ledgerFile = dir.resolve("running.processes");
        launcher.recordIn(new ProcessLedger(ledgerFile));

        ProcessOutcome o = launcher.start(new ProcessSpec(List.of("/bin/sh", "-c", "echo $" + ProcessLedger.MARK_VARIABLE),
                null, Map.of(), true, LIMIT, LIMIT)).outcome().get(10, TimeUnit.SECONDS);

        assertThat(o.stdout().text()).as("the child carries its mark").matches("[0-9a-f-]{36}\n");
        Await.until(() -> !Files.exists(ledgerFile), Duration.ofSeconds(5), "the entry to be removed");
        assertThat(new ProcessLedger(ledgerFile).killLeftovers()).isEmpty();
    }

    @Test
    void aSessionWhoseLeaderPidNowBelongsToALaterProcessIsSpared() throws Exception {
        ProcessProbe probe = ProcessProbe.sleepToken();
        Process other = new ProcessBuilder("setsid", "sleep", probe.token()).start();
        try {
            Await.until(() -> ProcessTree.startTimeOf(other.pid()).isPresent(), Duration.ofSeconds(5), "the sleep");
            long realStart = ProcessTree.startTimeOf(other.pid()).orElseThrow();
            // Recorded as if an earlier process had had this pid and session.
            Path ledgerFile = dir.resolve("running.processes");
            Files.writeString(ledgerFile, "1b4e28ba-2fa1-11d2-883f-0016d3cca427 " + other.pid() + " "
                    + (realStart - 100) + "\n");

            assertThat(new ProcessLedger(ledgerFile).killLeftovers()).isEmpty();
            assertThat(other.isAlive()).isTrue();
            assertThat(ledgerFile).doesNotExist();
        } finally {
            other.destroyForcibly();
        }
    }

    private static boolean goneOrZombie(long pid) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isEmpty() || !ProcessTree.isRunning(p.get());
    }
}
