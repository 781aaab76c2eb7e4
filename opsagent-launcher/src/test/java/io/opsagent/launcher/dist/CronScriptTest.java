package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.FileEvents;
import io.opsagent.launcher.testing.Processes;
import io.opsagent.launcher.testing.RepositoryFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/opsagent-cron.sh: starts the agent when none runs, and only then. */
@Tag("slow")
class CronScriptTest {

    @TempDir
    Path root;

    Path cron;
    Path started;

    @BeforeEach
    void install() throws IOException {
        Path release = root.resolve("opt/visualops/releases/1.0");
        Files.createDirectories(release.resolve("scripts"));
        Files.createDirectories(release.resolve("bin"));
        Files.createDirectories(root.resolve("var/lib/visualops"));
        Files.copy(RepositoryFiles.module().resolve("src/dist/scripts/opsagent-cron.sh"),
                release.resolve("scripts/opsagent-cron.sh"));
        started = root.resolve("started");
        // A stand-in agent that records how it was started (renamed into place, so it appears whole).
        Files.writeString(release.resolve("bin/opsagent"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + started
                + ".tmp\"\nmv \"" + started + ".tmp\" \"" + started + "\"\n");
        for (Path p : List.of(release.resolve("scripts/opsagent-cron.sh"), release.resolve("bin/opsagent"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createSymbolicLink(root.resolve("opt/visualops/current"), Path.of("releases/1.0"));
        cron = root.resolve("opt/visualops/current/scripts/opsagent-cron.sh");
    }

    private Processes.Result runCron() throws IOException, InterruptedException {
        return Processes.run(List.of("sh", cron.toString()), Map.of("OPSAGENT_ROOT", root.toString()), root);
    }

    @Test
    void startsTheAgentWhenNoneRuns() throws Exception {
        Processes.Result r = runCron();

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("opsagent-cron: the agent is not running; starting "
                + root.resolve("opt/visualops/current/bin/opsagent") + " run --config");
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
        assertThat(Files.readAllLines(started)).containsExactly(
                "run", "--config", root.resolve("etc/opsagent.conf").toString(), "--root", root.toString());
    }

    @Test
    void leavesARunningAgentAlone() throws Exception {
        Process agent = new ProcessBuilder("bash", "-c", "read -r line", "opsagent.jar").start();
        try {
            Files.writeString(root.resolve("var/lib/visualops/opsagent.lock"), agent.pid() + "\n");

            Processes.Result r = runCron();

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEmpty();
            assertThat(agent.isAlive()).isTrue();
        } finally {
            agent.destroyForcibly().waitFor();
        }
    }

    @Test
    void aPidThatIsNoLongerAnAgentDoesNotCount() throws Exception {
        Process other = new ProcessBuilder("bash", "-c", "read -r line", "something-else").start();
        try {
            Files.writeString(root.resolve("var/lib/visualops/opsagent.lock"), other.pid() + "\n");

            Processes.Result r = runCron();

            assertThat(r.stdout()).contains("the agent is not running; starting");
            FileEvents.awaitFile(started, Duration.ofSeconds(30));
        } finally {
            other.destroyForcibly().waitFor();
        }
    }

    @Test
    void doesNothingWhileDisabled() throws Exception {
        Files.writeString(root.resolve("var/lib/visualops/disabled"), "");

        Processes.Result r = runCron();

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEmpty();
    }
}
