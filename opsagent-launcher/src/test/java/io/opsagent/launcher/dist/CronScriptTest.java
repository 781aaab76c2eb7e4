package io.opsagent.launcher.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.FileEvents;
import io.opsagent.launcher.testing.Processes;
import io.opsagent.launcher.testing.RepositoryFiles;
import io.opsagent.launcher.upgrade.UpgradeState;
import java.time.Clock;
import java.time.Instant;
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

/**
 * scripts/opsagent-cron.sh, run as the bootstrap's cron line runs it (from the keeper's copy in
 * {@code keeper/}, else from the current release): starts the agent when none runs, and only
 * then; falls back to the previous release when a new one on probation does not stay up, even
 * when that release has no scripts or broken ones.
 */
@Tag("slow")
class CronScriptTest {

    @TempDir
    Path root;

    Path started;

    @BeforeEach
    void install() throws IOException {
        Path release = root.resolve("opt/visualops/releases/1.0");
        Files.createDirectories(release.resolve("scripts"));
        Files.createDirectories(release.resolve("bin"));
        Files.createDirectories(root.resolve("var/lib/visualops"));
        copyScripts(release);
        started = root.resolve("started");
        // A stand-in agent that records how it was started (renamed into place, so it appears whole).
        Files.writeString(release.resolve("bin/opsagent"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + started
                + ".tmp\"\nmv \"" + started + ".tmp\" \"" + started + "\"\n");
        for (Path p : List.of(release.resolve("scripts/opsagent-cron.sh"), release.resolve("bin/opsagent"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createSymbolicLink(root.resolve("opt/visualops/current"), Path.of("releases/1.0"));
    }

    /** The scripts a release carries in scripts/ and the keeper copies to keeper/. */
    static final List<String> SCRIPTS = List.of("opsagent-cron.sh", "opsagent-probation.sh", "opsagent-start.sh");

    /** The command of the cron line userdata.sh writes, for the install directory {@code opt}. */
    static String cronCommand(Path opt) {
        Path keeper = opt.resolve("keeper/opsagent-cron.sh");
        return "if [ -x " + keeper + " ]; then " + keeper + "; else " + opt.resolve("current/scripts/opsagent-cron.sh")
                + "; fi";
    }

    /**
     * Installs release {@code version} with the cron script and a stand-in agent that records
     * its arguments in {@code marker}, and returns the release directory.
     */
    private Path installRelease(String version, Path marker) throws IOException {
        Path release = root.resolve("opt/visualops/releases").resolve(version);
        Files.createDirectories(release.resolve("scripts"));
        Files.createDirectories(release.resolve("bin"));
        copyScripts(release);
        Files.writeString(release.resolve("bin/opsagent"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + marker
                + ".tmp\"\nmv \"" + marker + ".tmp\" \"" + marker + "\"\n");
        for (Path p : List.of(release.resolve("scripts/opsagent-cron.sh"), release.resolve("bin/opsagent"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return release;
    }

    /** The cron script and the probation logic it sources, as a release carries them. */
    static void copyScripts(Path release) throws IOException {
        for (String name : SCRIPTS) {
            Files.copy(RepositoryFiles.module().resolve("src/dist/scripts/" + name), release.resolve("scripts/" + name));
        }
    }

    /** What an upgrade from 1.0 to 1.1 leaves: current -> 1.1, previous -> 1.0, the switch on probation. */
    private UpgradeState switchedTo11() throws Exception {
        // Before the switch, 1.0 came up and the keeper ran: keeper/ holds 1.0's scripts.
        Files.deleteIfExists(started);
        assertThat(runCron().exitCode()).isZero();
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
        Files.delete(started);
        assertThat(root.resolve("opt/visualops/keeper/opsagent-cron.sh")).isExecutable();
        installRelease("1.1", root.resolve("started-1.1"));
        Files.delete(root.resolve("opt/visualops/current"));
        Files.createSymbolicLink(root.resolve("opt/visualops/current"), Path.of("releases/1.1"));
        Files.createSymbolicLink(root.resolve("opt/visualops/previous"), Path.of("releases/1.0"));
        UpgradeState state = UpgradeState.load(root.resolve("var/lib/visualops/upgrade.json"), 3, Clock.systemUTC());
        state.setInFlight(new UpgradeState.InFlightSwitch("1.1", "1.0", Instant.now(), null, 0, null));
        state.recordFailure("0.9", "a reason that mentions \"in_flight\": {", Instant.now());
        return state;
    }

    /** Runs the cron script; it must start the agent from {@code binary}, which records its start in {@code marker}. */
    private void runCronAndAwaitStart(String binary, Path marker) throws Exception {
        Files.deleteIfExists(marker);
        Processes.Result r = runCron();
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("; starting " + root.resolve(binary) + " run --config");
        FileEvents.awaitFile(marker, Duration.ofSeconds(30));
    }

    /** One run of the cron line (cron runs it with SHELL=/bin/sh). */
    private Processes.Result runCron() throws IOException, InterruptedException {
        return Processes.run(List.of("sh", "-c", cronCommand(root.resolve("opt/visualops"))),
                Map.of("OPSAGENT_ROOT", root.toString()), root);
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
    void startsTheAgentWithTheSystemdUnitsUmaskAndNiceness() throws Exception {
        Path agent = root.resolve("opt/visualops/releases/1.0/bin/opsagent");
        Files.writeString(agent, "#!/bin/sh\n{ umask; nice; } > \"" + started + ".tmp\"\nmv \"" + started + ".tmp\" \""
                + started + "\"\n");
        Processes.Result base = Processes.run(List.of("sh", "-c", "nice"), Map.of(), root);
        int niceness = Integer.parseInt(base.stdout().strip());

        Processes.Result r = runCron();

        assertThat(r.exitCode()).as(r.toString()).isZero();
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
        // config/opsagent.service: UMask=0027, Nice=10.
        assertThat(Files.readAllLines(started)).containsExactly("0027", String.valueOf(Math.min(19, niceness + 10)));
    }

    @Test
    void leavesARunningAgentAlone() throws Exception {
        Process agent = new ProcessBuilder("bash", "-c", "read -r line", "opsagent.jar").start();
        try {
            Files.writeString(root.resolve("var/lib/visualops/opsagent.lock"), agent.pid() + "\n");

            Processes.Result first = runCron();
            Processes.Result r = runCron();

            // The first run copies the scripts of the release that runs to keeper/, and starts nothing.
            assertThat(first.stdout()).as(first.toString()).contains("copied").doesNotContain("starting");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEmpty();
            assertThat(agent.isAlive()).isTrue();
            assertThat(started).doesNotExist();
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

    @Test
    void theFirstStartAfterASwitchWritesNoErrorUnderDash() throws Exception {
        Path dash = Path.of("/usr/bin/dash");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(dash), "dash is not installed");
        switchedTo11();
        Files.deleteIfExists(started);
        Path current = root.resolve("started-1.1");

        Processes.Result r = Processes.run(List.of(dash.toString(), "-c", cronCommand(root.resolve("opt/visualops"))),
                Map.of("OPSAGENT_ROOT", root.toString()), root);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).as("what cron would mail or log").isEmpty();
        FileEvents.awaitFile(current, Duration.ofSeconds(30));
        assertThat(Files.readString(root.resolve("var/lib/visualops/probation-starts"))).isEqualTo("1.1 1\n");
    }

    @Test
    void fallsBackToThePreviousReleaseWhenTheOneOnProbationDoesNotStayUp() throws Exception {
        switchedTo11();
        Path current = root.resolve("started-1.1");

        for (int start = 1; start <= 3; start++) {
            runCronAndAwaitStart("opt/visualops/current/bin/opsagent", current);
            assertThat(Files.readString(root.resolve("var/lib/visualops/probation-starts"))).isEqualTo("1.1 " + start
                    + "\n");
        }

        Files.delete(current);
        Processes.Result r = runCron();

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("opsagent-cron: release 1.1 was started 3 times since the switch to it and is "
                + "not running; falling back; starting " + root.resolve("opt/visualops/previous/bin/opsagent")
                + " run --config " + root.resolve("etc/opsagent.conf") + " --root " + root);
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
        assertThat(Files.readAllLines(started)).containsExactly(
                "run", "--config", root.resolve("etc/opsagent.conf").toString(), "--root", root.toString());
        assertThat(current).doesNotExist();
    }

    @Test
    void startsCurrentAgainOnceTheSwitchIsNoLongerOnProbation() throws Exception {
        UpgradeState state = switchedTo11();
        Path current = root.resolve("started-1.1");
        for (int start = 1; start <= 3; start++) {
            runCronAndAwaitStart("opt/visualops/current/bin/opsagent", current);
        }

        // The release handshook (or rolled back): the in-flight record is gone.
        state.clearInFlight();
        runCronAndAwaitStart("opt/visualops/current/bin/opsagent", current);

        assertThat(root.resolve("var/lib/visualops/probation-starts")).doesNotExist();
        assertThat(started).doesNotExist();
    }

    /** Three starts of 1.1 on probation, then the fallback to 1.0, as the cron line runs the keeper. */
    private void fallsBackAfterThreeStartsOf11() throws Exception {
        Path current = root.resolve("started-1.1");
        for (int start = 1; start <= 3; start++) {
            runCronAndAwaitStart("opt/visualops/current/bin/opsagent", current);
        }
        Files.delete(current);

        runCronAndAwaitStart("opt/visualops/previous/bin/opsagent", started);

        assertThat(current).doesNotExist();
        for (String name : SCRIPTS) {
            assertThat(root.resolve("opt/visualops/keeper").resolve(name)).as("not copied from the release on probation")
                    .hasSameTextualContentAs(root.resolve("opt/visualops/releases/1.0/scripts").resolve(name));
        }
    }

    @Test
    void fallsBackWhenTheReleaseOnProbationHasNoScripts() throws Exception {
        switchedTo11();
        SystemdUnitTest.deleteTree(root.resolve("opt/visualops/releases/1.1/scripts"));

        fallsBackAfterThreeStartsOf11();
    }

    @Test
    void fallsBackWhenTheScriptsOfTheReleaseOnProbationExitAtOnce() throws Exception {
        switchedTo11();
        for (String name : SCRIPTS) {
            Files.writeString(root.resolve("opt/visualops/releases/1.1/scripts").resolve(name),
                    "#!/bin/sh\n# opsagent-keeper: runs from keeper/\nexit 1\n");
        }

        fallsBackAfterThreeStartsOf11();
    }

    @Test
    void copiesTheScriptsOfAReleaseOnceItCameUp() throws Exception {
        UpgradeState state = switchedTo11();
        Path script = root.resolve("opt/visualops/releases/1.1/scripts/opsagent-probation.sh");
        Files.writeString(script, Files.readString(script) + "# release 1.1\n");
        runCronAndAwaitStart("opt/visualops/current/bin/opsagent", root.resolve("started-1.1"));
        assertThat(root.resolve("opt/visualops/keeper/opsagent-probation.sh")).as("on probation")
                .hasSameTextualContentAs(root.resolve("opt/visualops/releases/1.0/scripts/opsagent-probation.sh"));

        state.clearInFlight();
        Files.delete(root.resolve("started-1.1"));
        Processes.Result r = runCron();
        FileEvents.awaitFile(root.resolve("started-1.1"), Duration.ofSeconds(30));

        assertThat(r.stdout()).contains("opsagent-cron: copied opsagent-probation.sh of the current release to "
                + root.resolve("opt/visualops/keeper"));
        assertThat(root.resolve("opt/visualops/keeper/opsagent-probation.sh")).hasSameTextualContentAs(script);
    }

    @Test
    void aCronLineOfAnEarlierReleaseIsMovedToTheKeeper() throws Exception {
        Path opt = root.resolve("opt/visualops");
        Path cronFile = root.resolve("etc/cron.d/opsagent");
        Files.createDirectories(cronFile.getParent());
        String before = String.join("\n", "# Keeps the OpsAgent running; written by userdata.sh.", "SHELL=/bin/sh",
                "OPSAGENT_ROOT=" + root, "* * * * * root ");
        String log = " >>" + root.resolve("var/log/visualops/cron.log") + " 2>&1\n";
        Files.writeString(cronFile, before + opt.resolve("current/scripts/opsagent-cron.sh") + log);

        // What that line runs.
        Processes.Result r = Processes.run(List.of("sh", "-c", opt.resolve("current/scripts/opsagent-cron.sh")
                .toString()), Map.of("OPSAGENT_ROOT", root.toString()), root);

        assertThat(r.stdout()).contains("opsagent-cron: " + cronFile + " now runs the keeper from "
                + opt.resolve("keeper"));
        assertThat(Files.readString(cronFile)).isEqualTo(before + cronCommand(opt) + log);
        assertThat(opt.resolve("keeper/opsagent-cron.sh")).isExecutable();
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
        Files.delete(started);

        Processes.Result again = runCron();
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
        assertThat(again.stdout()).contains("the agent is not running; starting").doesNotContain("now runs the keeper");
        assertThat(Files.readString(cronFile)).isEqualTo(before + cronCommand(opt) + log);
    }

    @Test
    void theExecStartOfAUnitOfAnEarlierReleaseIsMovedToTheKeeper() throws Exception {
        Path opt = root.resolve("opt/visualops");
        String shipped = Files.readString(RepositoryFiles.resolve("config/opsagent.service"))
                .replace("/opt/visualops/", opt + "/");
        String execStart = shipped.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        Path unit = root.resolve("etc/systemd/system/opsagent.service");
        Files.createDirectories(unit.getParent());
        // The ExecStart line an earlier release's unit had.
        Files.writeString(unit, shipped.replace(execStart,
                "ExecStart=" + opt.resolve("current/scripts/opsagent-start.sh") + " run"));

        Processes.Result r = Processes.run(List.of("sh", "-c", opt.resolve("current/scripts/opsagent-cron.sh")
                .toString()), Map.of("OPSAGENT_ROOT", root.toString()), root);

        assertThat(r.stdout()).as(r.toString()).contains("opsagent-cron: " + unit + " now runs the keeper from "
                + opt.resolve("keeper"));
        assertThat(Files.readString(unit)).as("the unit as this release ships it").isEqualTo(shipped);
        FileEvents.awaitFile(started, Duration.ofSeconds(30));
    }

    @Test
    void withoutAPreviousReleaseItKeepsStartingCurrent() throws Exception {
        switchedTo11();
        Files.delete(root.resolve("opt/visualops/previous"));
        Path current = root.resolve("started-1.1");

        for (int start = 1; start <= 4; start++) {
            runCronAndAwaitStart("opt/visualops/current/bin/opsagent", current);
        }

        assertThat(started).doesNotExist();
    }
}
