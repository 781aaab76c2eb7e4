package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.Processes;
import io.opsagent.launcher.testing.RepositoryFiles;
import io.opsagent.launcher.upgrade.UpgradeState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit's {@code ExecStart}, run as systemd runs it after each exit: a release on
 * probation whose {@code bin/opsagent} exits at once is started 3 times, then the previous
 * release is started instead, as the cron keeper does.
 */
class SystemdUnitTest {

    @TempDir
    Path root;

    private List<String> execStart;

    @BeforeEach
    void releases() throws IOException {
        for (String version : List.of("1.0", "1.1")) {
            Path release = root.resolve("opt/visualops/releases").resolve(version);
            Files.createDirectories(release.resolve("scripts"));
            Files.createDirectories(release.resolve("bin"));
            CronScriptTest.copyScripts(release);
            // A stand-in agent: it appends its version and arguments to starts.log, and 1.1 exits at once with 1.
            Files.writeString(release.resolve("bin/opsagent"), "#!/bin/sh\necho \"" + version + " $*\" >> \""
                    + root.resolve("starts.log") + "\"\nexit " + (version.equals("1.1") ? 1 : 0) + "\n");
            for (String exe : List.of("bin/opsagent", "scripts/opsagent-start.sh")) {
                Files.setPosixFilePermissions(release.resolve(exe), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Files.createSymbolicLink(root.resolve("opt/visualops/current"), Path.of("releases/1.1"));
        Files.createSymbolicLink(root.resolve("opt/visualops/previous"), Path.of("releases/1.0"));
        Files.createDirectories(root.resolve("var/lib/visualops"));
        UpgradeState state = UpgradeState.load(root.resolve("var/lib/visualops/upgrade.json"), 3, Clock.systemUTC());
        state.setInFlight(new UpgradeState.InFlightSwitch("1.1", "1.0", Instant.now(), null, 0, null));

        String unit = Files.readString(RepositoryFiles.resolve("config/opsagent.service"));
        String line = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        execStart = new ArrayList<>(List.of(line.substring("ExecStart=".length()).split(" ")));
        assertThat(execStart.get(0)).startsWith("/opt/visualops/current/");
        execStart.set(0, root + execStart.get(0));
    }

    @Test
    void aReleaseOnProbationThatExitsAtOnceIsStartedThreeTimesThenThePreviousOneIs() throws Exception {
        List<Integer> exits = new ArrayList<>();
        for (int restart = 0; restart < 4; restart++) {
            Processes.Result r = Processes.run(execStart, Map.of("OPSAGENT_ROOT", root.toString()), root);
            exits.add(r.exitCode());
            if (restart == 3) {
                assertThat(r.stderr()).contains("release 1.1 was started 3 times since the switch to it and is not "
                        + "running; falling back; starting " + root.resolve("opt/visualops/previous/bin/opsagent"));
            }
        }

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsExactly("1.1 run", "1.1 run", "1.1 run",
                "1.0 run");
        assertThat(exits).containsExactly(1, 1, 1, 0);
    }

    @Test
    void withoutAReleaseOnProbationItStartsCurrent() throws Exception {
        Files.delete(root.resolve("var/lib/visualops/upgrade.json"));
        Files.writeString(root.resolve("var/lib/visualops/probation-starts"), "1.1 3\n");

        for (int restart = 0; restart < 4; restart++) {
            Processes.run(execStart, Map.of("OPSAGENT_ROOT", root.toString()), root);
        }

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsOnly("1.1 run").hasSize(4);
        assertThat(root.resolve("var/lib/visualops/probation-starts")).doesNotExist();
    }
}
