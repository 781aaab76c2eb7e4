package io.opsagent.fsm.internal.exec.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.Await;
import io.opsagent.fsm.testutil.ProcessProbe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ProcessLauncherTest {

    private static final OutputLimit LIMIT = OutputLimit.of(64 * 1024, 0);
    private final ProcessLauncher launcher = ProcessLauncher.standard();

    @Test
    void capturesExitCodeAndBothStreamsSeparately() throws Exception {
        ManagedProcess p = launcher.start(sh("echo out; echo err >&2; exit 3", false));
        ProcessOutcome o = p.outcome().get(10, TimeUnit.SECONDS);
        assertThat(o.exitCode()).isEqualTo(3);
        assertThat(o.stdout().text()).isEqualTo("out\n");
        assertThat(o.stderr().text()).isEqualTo("err\n");
        assertThat(o.killed()).isFalse();
        assertThat(o.outputComplete()).isTrue();
    }

    @Test
    void mergesStderrIntoStdoutWhenAsked() throws Exception {
        ProcessOutcome o = launcher.start(sh("echo out; echo err >&2", true)).outcome().get(10, TimeUnit.SECONDS);
        assertThat(o.stdout().text()).contains("out\n").contains("err\n");
        assertThat(o.stderr()).isSameAs(CapturedOutput.EMPTY);
    }

    @Test
    void passesEnvironmentAndWorkingDirectory() throws Exception {
        ProcessSpec spec = new ProcessSpec(List.of("/bin/sh", "-c", "echo \"$GREETING\"; pwd"), java.nio.file.Path.of("/"),
                Map.of("GREETING", "hi"), false, LIMIT, LIMIT);
        assertThat(launcher.start(spec).outcome().get(10, TimeUnit.SECONDS).stdout().text()).isEqualTo("hi\n/\n");
    }

    @Test
    void standardInputIsEmpty() throws Exception {
        ProcessOutcome o = launcher.start(sh("cat; echo done", false)).outcome().get(10, TimeUnit.SECONDS);
        assertThat(o.stdout().text()).isEqualTo("done\n");
    }

    @Test
    void eachChildLeadsASessionOfItsOwnWhenSetsidIsAvailable() throws Exception {
        assumeTrue(launcher.usesSessions(), "setsid not installed");
        ManagedProcess p = launcher.start(sh("sleep " + ProcessProbe.sleepToken().token(), false));
        try {
            Await.until(() -> ProcessTree.sessionOf(p.pid()).orElse(-1L) == p.pid(), Duration.ofSeconds(5),
                    "pid " + p.pid() + " to lead its own session");
        } finally {
            p.killTree();
        }
        assertThat(p.outcome().get(15, TimeUnit.SECONDS).killed()).isTrue();
    }

    @Test
    void killTreeKillsChildAndOrphanedGrandchildren() throws Exception {
        ProcessProbe probe = ProcessProbe.sleepToken();
        String t = probe.token();
        // the first sleep is orphaned as soon as its subshell exits; the second runs in the foreground
        ManagedProcess p = launcher.start(sh("(sleep " + t + " &) ; sleep " + t + " & sleep " + t, false));
        Await.until(() -> probe.pids().size() >= 3, Duration.ofSeconds(10), "three sleeps of " + t);
        List<Long> pids = probe.pids();

        int killed = p.killTree();

        assertThat(killed).isGreaterThanOrEqualTo(3);
        ProcessOutcome o = p.outcome().get(20, TimeUnit.SECONDS);
        assertThat(o.killed()).isTrue();
        for (long pid : pids) {
            Await.until(() -> !ProcessProbe.alive(pid), Duration.ofSeconds(10), "pid " + pid + " to die");
        }
        assertThat(probe.pids()).isEmpty();
    }

    @Test
    void aBackgroundChildHoldingTheOutputOpenDoesNotHoldTheOutcomeForever() throws Exception {
        ProcessProbe probe = ProcessProbe.sleepToken();
        ManagedProcess p = launcher.start(sh("echo started; sleep " + probe.token() + " &", false));
        try {
            ProcessOutcome o = p.outcome().get(20, TimeUnit.SECONDS);
            assertThat(o.exitCode()).isZero();
            assertThat(o.outputComplete()).isFalse();
            assertThat(o.stdout().text()).isEqualTo("started\n");
        } finally {
            probe.pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    private static ProcessSpec sh(String script, boolean merge) {
        return new ProcessSpec(List.of("/bin/sh", "-c", script), null, Map.of(), merge, LIMIT, LIMIT);
    }
}
