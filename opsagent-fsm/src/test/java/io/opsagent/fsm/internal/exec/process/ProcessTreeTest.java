package io.opsagent.fsm.internal.exec.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.Await;
import io.opsagent.fsm.testutil.ProcessProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@Tag("slow")
@EnabledOnOs(OS.LINUX)
class ProcessTreeTest {

    @Test
    void aZombieIsNoLongerAMemberOfTheTree() throws Exception {
        // The shell starts a child that waits for a line on the shell's stdin, then becomes a
        // sleep, which never waits for children. Only once the exec happened does the test send
        // the line: the child exits with nobody to reap it and stays a zombie while sleep runs.
        // (A child that exits at once may be reaped by the shell before its exec.)
        ProcessProbe probe = ProcessProbe.sleepToken();
        Process parent = new ProcessBuilder("/bin/sh", "-c",
                // fd 3 is the test's pipe: a background job's stdin itself is /dev/null.
                "exec 3<&0; { read line <&3; } & echo $!; exec sleep " + probe.token())
                .redirectErrorStream(true).start();
        try {
            long zombie = Long.parseLong(new BufferedReader(
                    new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8)).readLine().trim());
            Await.until(() -> parent.toHandle().info().command().orElse("").endsWith("sleep"),
                    Duration.ofSeconds(10), "the shell to exec sleep");
            // on a loaded machine the child may still be running on its way to the read: wait for it
            Await.until(() -> ProcessTree.stateOf(zombie).equals(Optional.of('S')), Duration.ofSeconds(10),
                    "the child to wait for the line");
            parent.getOutputStream().write('\n');
            parent.getOutputStream().flush();
            Await.until(() -> ProcessTree.stateOf(zombie).equals(Optional.of('Z')), Duration.ofSeconds(10),
                    "pid " + zombie + " to become a zombie");
            ProcessHandle handle = ProcessHandle.of(zombie).orElseThrow();
            assertThat(handle.isAlive()).as("the JDK counts a zombie as alive").isTrue();

            assertThat(ProcessTree.isRunning(handle)).isFalse();
            assertThat(ProcessTree.isRunning(parent.toHandle())).isTrue();
            assertThat(ProcessTree.members(parent.toHandle(), 0)).containsExactly(parent.toHandle());
        } finally {
            parent.destroyForcibly();
            parent.waitFor();
        }
    }

    @Test
    void aProcessThatIsGoneHasNoState() {
        assertThat(ProcessTree.stateOf(Long.MAX_VALUE)).isEmpty();
        assertThat(ProcessTree.stateOf(ProcessHandle.current().pid())).isPresent();
    }
}
