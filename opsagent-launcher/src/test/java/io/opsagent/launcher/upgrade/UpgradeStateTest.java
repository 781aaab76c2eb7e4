package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.testing.ManualClock;
import io.opsagent.launcher.upgrade.UpgradeState.InFlightSwitch;
import io.opsagent.launcher.upgrade.UpgradeState.PendingUpgrade;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpgradeStateTest {

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();

    Path file() {
        return dir.resolve("upgrade.json");
    }

    UpgradeState load() {
        return UpgradeState.load(file(), 3, clock);
    }

    @Test
    void missingFileIsAnEmptyState() {
        UpgradeState state = load();

        assertThat(state.pending()).isEmpty();
        assertThat(state.inFlight()).isEmpty();
        assertThat(state.lastGood()).isEmpty();
        assertThat(state.failures("1.3")).isZero();
        assertThat(file()).doesNotExist();
    }

    @Test
    void pendingUpgradeSurvivesARestart() {
        Instant ordered = clock.instant();
        load().setPending(new PendingUpgrade("1.3", null, ordered));

        UpgradeState reloaded = load();

        assertThat(reloaded.pending()).contains(new PendingUpgrade("1.3", null, ordered));
    }

    @Test
    void everyFieldSurvivesARestart() throws IOException {
        UpgradeState state = load();
        Instant t = clock.instant();
        state.setPending(new PendingUpgrade("1.4", "https://cdn.example/1.4/opsagent.tgz", t));
        InFlightSwitch change = new InFlightSwitch("1.3", "1.2", t, t.plusSeconds(5), 2, t.plusSeconds(125));
        state.setInFlight(change);
        state.recordFailure("1.1", "signature of opsagent.tgz 1.1 does not verify", t);
        state.recordGood("1.2");

        UpgradeState reloaded = load();

        assertThat(reloaded.pending()).contains(new PendingUpgrade("1.4", "https://cdn.example/1.4/opsagent.tgz", t));
        assertThat(reloaded.inFlight()).contains(change);
        assertThat(reloaded.failureRecord("1.1")).hasValueSatisfying(f -> {
            assertThat(f.count()).isEqualTo(1);
            assertThat(f.lastAt()).isEqualTo(t);
            assertThat(f.lastReason()).isEqualTo("signature of opsagent.tgz 1.1 does not verify");
        });
        assertThat(reloaded.lastGood()).contains("1.2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        assertThat(Files.readString(file())).contains("\"in_flight\"", "\"ordered_at\": \"2026-11-26T12:00:00Z\"");
    }

    @Test
    void versionIsBadAfterMaxFailuresAndGoodAgainWhenForgotten() {
        UpgradeState state = load();
        for (int i = 1; i <= 2; i++) {
            assertThat(state.recordFailure("1.3", "no handshake", clock.instant())).isEqualTo(i);
            assertThat(state.isBad("1.3")).isFalse();
        }
        state.recordFailure("1.3", "no handshake", clock.instant());

        assertThat(load().isBad("1.3")).isTrue();
        assertThat(state.forgetFailures("1.3")).isTrue();
        assertThat(load().isBad("1.3")).isFalse();
        assertThat(load().failures("1.3")).isZero();
    }

    @Test
    void aVersionThatWorksHasItsFailuresForgotten() {
        UpgradeState state = load();
        state.recordFailure("1.3", "no handshake", clock.instant());

        state.recordGood("1.3");

        assertThat(load().failures("1.3")).isZero();
        assertThat(load().lastGood()).contains("1.3");
    }

    @Test
    void inFlightDeadlineRunsFromTheFirstStartNotFromTheSwitch() {
        Instant switched = clock.instant();
        InFlightSwitch change = new InFlightSwitch("1.3", "1.2", switched, null, 0, null);

        InFlightSwitch first = change.started(switched.plusSeconds(90), Duration.ofSeconds(120));
        InFlightSwitch second = first.started(switched.plusSeconds(100), Duration.ofSeconds(120));

        assertThat(first.deadline()).isEqualTo(switched.plusSeconds(210));
        assertThat(second.deadline()).as("a restart does not extend it").isEqualTo(first.deadline());
        assertThat(second.starts()).isEqualTo(2);
        assertThat(second.firstStartAt()).isEqualTo(switched.plusSeconds(90));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"pending\": {\"version\": \"1.3\"",
        "not json at all",
        "",
        "[]",
        "null",
        "{\"pending\": {\"version\": \"1.3\", \"ordered_at\": \"yesterday\"}}",
        "{\"pending\": {\"version\": \"../../etc\", \"ordered_at\": \"2026-11-26T12:00:00Z\"}}",
        "{\"failures\": {\"1.3\": {\"count\": \"many\"}}}",
        "{\"failures\": {\"1.3\": {}}}",
        "{\"in_flight\": {\"version\": \"1.3\"}}",
        "{} trailing",
    })
    void corruptFileIsMovedAsideAndTheStateStartsEmpty(String content) throws IOException {
        Files.writeString(file(), content);

        UpgradeState state;
        try (LogCapture log = LogCapture.of(UpgradeState.class)) {
            state = load();
            assertThat(log.lines()).singleElement().asString()
                    .startsWith("ERROR the upgrade state " + file() + " is corrupt (")
                    .endsWith("); moved it aside to " + dir.resolve("upgrade.json.corrupt-20261126T120000Z")
                            + " and starting with no pending upgrade, no switch to verify and no failure counts");
        }

        assertThat(state.pending()).isEmpty();
        assertThat(state.inFlight()).isEmpty();
        assertThat(file()).doesNotExist();
        Path aside = dir.resolve("upgrade.json.corrupt-20261126T120000Z");
        assertThat(aside).exists();
        assertThat(Files.readString(aside)).isEqualTo(content);
        state.recordGood("1.2");
        assertThat(load().lastGood()).as("the new state is written as usual").contains("1.2");
    }

    @Test
    void fieldsWrittenByANewerReleaseAreIgnored() throws IOException {
        Files.writeString(file(), "{\"format\": 2, \"last_good\": \"1.4\", \"spread_until\": \"2026-11-27T00:00:00Z\","
                + " \"failures\": {\"1.5\": {\"count\": 3, \"severity\": \"fatal\"}}}");

        UpgradeState state = load();

        assertThat(state.lastGood()).contains("1.4");
        assertThat(state.isBad("1.5")).isTrue();
        assertThat(file()).exists();
    }

    @Test
    void writesLeaveNoTemporaryFiles() throws IOException {
        UpgradeState state = load();
        for (int i = 0; i < 5; i++) {
            state.recordFailure("1." + i, "x", clock.instant());
        }

        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("upgrade.json");
        }
    }
}
