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
 * release is started instead, as the cron keeper does; and so it is when the release on
 * probation has no {@code scripts/}, or broken ones, because the unit runs the keeper from the
 * copy in {@code keeper/} of a release that came up.
 */
class SystemdUnitTest {

    @TempDir
    Path root;

    private Path opt;
    private List<String> execStart;

    @BeforeEach
    void releases() throws Exception {
        opt = root.resolve("opt/visualops");
        for (String version : List.of("1.0", "1.1")) {
            Path release = opt.resolve("releases").resolve(version);
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
        // 1.1's scripts differ from 1.0's, so that the keeper's copy shows which release it came from.
        for (String name : CronScriptTest.SCRIPTS) {
            Files.writeString(opt.resolve("releases/1.1/scripts").resolve(name), "# release 1.1\n",
                    java.nio.file.StandardOpenOption.APPEND);
        }
        Files.createDirectories(root.resolve("var/lib/visualops"));

        String unit = Files.readString(RepositoryFiles.resolve("config/opsagent.service"));
        String line = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        execStart = new ArrayList<>();
        for (String word : systemdWords(line.substring("ExecStart=".length()))) {
            execStart.add(word.replace("/opt/visualops/", opt + "/"));
        }

        // The host before the upgrade: 1.0 is current and came up; systemd started it once.
        Files.createSymbolicLink(opt.resolve("current"), Path.of("releases/1.0"));
        assertThat(startOnce().exitCode()).isZero();
        Files.delete(root.resolve("starts.log"));

        // The upgrade to 1.1: current -> 1.1, previous -> 1.0, the switch on probation.
        Files.delete(opt.resolve("current"));
        Files.createSymbolicLink(opt.resolve("current"), Path.of("releases/1.1"));
        Files.createSymbolicLink(opt.resolve("previous"), Path.of("releases/1.0"));
        UpgradeState state = UpgradeState.load(root.resolve("var/lib/visualops/upgrade.json"), 3, Clock.systemUTC());
        state.setInFlight(new UpgradeState.InFlightSwitch("1.1", "1.0", Instant.now(), null, 0, null));
    }

    /**
     * A command line split into words as systemd splits {@code ExecStart}: at blanks outside
     * quotes, quotes removed, {@code $$} standing for {@code $}. Enough for the unit's own line.
     */
    static List<String> systemdWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == ' ') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                if (c == '\'' || c == '"') {
                    quote = c;
                } else {
                    word.append(c);
                }
            }
        }
        assertThat(quote).as("unclosed quote in " + line).isEqualTo((char) 0);
        if (word != null) {
            words.add(word.toString());
        }
        return words.stream().map(w -> w.replace("$$", "$")).toList();
    }

    private Processes.Result startOnce() throws Exception {
        return Processes.run(execStart, Map.of("OPSAGENT_ROOT", root.toString()), root);
    }

    /** Runs ExecStart 4 times, as systemd restarts the service, and returns the exit codes. */
    private List<Integer> fourStarts() throws Exception {
        List<Integer> exits = new ArrayList<>();
        for (int restart = 0; restart < 4; restart++) {
            Processes.Result r = startOnce();
            exits.add(r.exitCode());
            if (restart == 3) {
                assertThat(r.stderr()).contains("release 1.1 was started 3 times since the switch to it and is not "
                        + "running; falling back; starting " + opt.resolve("previous/bin/opsagent"));
            }
        }
        return exits;
    }

    @Test
    void theUnitRunsTheKeeperOutsideTheReleasesFallingBackToCurrentsScripts() throws IOException {
        assertThat(execStart.get(0)).isEqualTo("/bin/sh");
        assertThat(String.join(" ", execStart)).contains(opt.resolve("keeper/opsagent-start.sh").toString(),
                opt.resolve("current/scripts/opsagent-start.sh").toString());
        for (String name : CronScriptTest.SCRIPTS) {
            assertThat(opt.resolve("keeper").resolve(name)).as("copied from 1.0 when it came up")
                    .hasSameTextualContentAs(opt.resolve("releases/1.0/scripts").resolve(name));
        }
    }

    @Test
    void aReleaseOnProbationThatExitsAtOnceIsStartedThreeTimesThenThePreviousOneIs() throws Exception {
        List<Integer> exits = fourStarts();

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsExactly("1.1 run", "1.1 run", "1.1 run",
                "1.0 run");
        assertThat(exits).containsExactly(1, 1, 1, 0);
    }

    @Test
    void aReleaseOnProbationWithoutScriptsIsStartedThreeTimesThenThePreviousOneIs() throws Exception {
        deleteTree(opt.resolve("releases/1.1/scripts"));

        List<Integer> exits = fourStarts();

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsExactly("1.1 run", "1.1 run", "1.1 run",
                "1.0 run");
        assertThat(exits).containsExactly(1, 1, 1, 0);
    }

    @Test
    void aReleaseOnProbationWhoseScriptsExitAtOnceIsStartedThreeTimesThenThePreviousOneIs() throws Exception {
        for (String name : CronScriptTest.SCRIPTS) {
            // Still marked as runnable from keeper/, so that only the probation keeps it out.
            Files.writeString(opt.resolve("releases/1.1/scripts").resolve(name),
                    "#!/bin/sh\n# opsagent-keeper: runs from keeper/\nexit 1\n");
        }

        List<Integer> exits = fourStarts();

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsExactly("1.1 run", "1.1 run", "1.1 run",
                "1.0 run");
        assertThat(exits).containsExactly(1, 1, 1, 0);
        for (String name : CronScriptTest.SCRIPTS) {
            assertThat(opt.resolve("keeper").resolve(name)).as("not copied from the release on probation")
                    .hasSameTextualContentAs(opt.resolve("releases/1.0/scripts").resolve(name));
        }
    }

    @Test
    void withoutAReleaseOnProbationItStartsCurrentAndCopiesItsScripts() throws Exception {
        Files.delete(root.resolve("var/lib/visualops/upgrade.json"));
        Files.writeString(root.resolve("var/lib/visualops/probation-starts"), "1.1 3\n");

        for (int restart = 0; restart < 4; restart++) {
            startOnce();
        }

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsOnly("1.1 run").hasSize(4);
        assertThat(root.resolve("var/lib/visualops/probation-starts")).doesNotExist();
        for (String name : CronScriptTest.SCRIPTS) {
            assertThat(opt.resolve("keeper").resolve(name)).as("1.1 came up")
                    .hasSameTextualContentAs(opt.resolve("releases/1.1/scripts").resolve(name));
        }
    }

    @Test
    void withoutTheKeepersCopyItRunsCurrentsScripts() throws Exception {
        // A host whose keeper/ is gone: the unit runs current/scripts/opsagent-start.sh, which still falls back.
        deleteTree(opt.resolve("keeper"));

        List<Integer> exits = fourStarts();

        assertThat(Files.readAllLines(root.resolve("starts.log"))).containsExactly("1.1 run", "1.1 run", "1.1 run",
                "1.0 run");
        assertThat(exits).containsExactly(1, 1, 1, 0);
        assertThat(opt.resolve("keeper")).as("nothing copied from the release on probation").doesNotExist();
    }

    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
