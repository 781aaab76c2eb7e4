package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.launcher.upgrade.HandshakeGuard.Verdict;
import io.opsagent.launcher.upgrade.UpgradeState.InFlightSwitch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandshakeGuardTest {

    static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    Fixture f;
    UpgradeState state;
    ReleaseSwitcher switcher;
    LogCapture log;

    @BeforeEach
    void switchedFrom12To13() {
        log = LogCapture.of(HandshakeGuard.class);
        f = new Fixture(tmp).running("1.2").installed("1.3");
        state = f.loadState();
        switcher = f.switcher();
        switchTo13();
    }

    @AfterEach
    void close() {
        log.close();
        f.close();
    }

    void switchTo13() {
        state.setInFlight(new InFlightSwitch("1.3", "1.2", f.clock.instant(), null, 0, null));
        switcher.switchTo("1.3");
    }

    /** A new process of {@code version} starting: a guard over the state as it is on disk. */
    HandshakeGuard process(String version) {
        state = f.loadState();
        return new HandshakeGuard(state, switcher, version, DEADLINE, f.clock);
    }

    @Test
    void newReleaseIsOnProbationUntilItsFirstHandshake() {
        HandshakeGuard guard = process("1.3");

        assertThat(guard.started()).isEqualTo(Verdict.AWAIT_HANDSHAKE);
        assertThat(guard.deadline()).contains(f.clock.instant().plus(DEADLINE));

        f.clock.advance(Duration.ofSeconds(14));
        guard.confirmed();

        assertThat(guard.deadline()).isEmpty();
        assertThat(f.loadState().inFlight()).isEmpty();
        assertThat(f.loadState().lastGood()).contains("1.3");
        f.clock.advance(Duration.ofHours(1));
        assertThat(guard.checkDeadline(f.clock.instant())).isEqualTo(Verdict.CARRY_ON);
        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
    }

    @Test
    void missedDeadlineRollsBackCountsAFailureAndAsksForARestart() {
        HandshakeGuard guard = process("1.3");
        guard.started();

        f.clock.advance(DEADLINE.minusSeconds(1));
        assertThat(guard.checkDeadline(f.clock.instant())).isEqualTo(Verdict.AWAIT_HANDSHAKE);
        assertThat(f.currentTarget()).isEqualTo("releases/1.3");

        f.clock.advance(Duration.ofSeconds(1));
        Verdict verdict = guard.checkDeadline(f.clock.instant());

        assertThat(log.lines()).last().isEqualTo("ERROR release 1.3 did not send its first Handshake within 120 s "
                + "of its first start; rolled back to release 1.2 (failure 1 of 3); restarting into it");
        assertThat(verdict).isEqualTo(Verdict.RESTART);
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.linkTarget("previous")).isNull();
        UpgradeState after = f.loadState();
        assertThat(after.inFlight()).isEmpty();
        assertThat(after.failures("1.3")).isEqualTo(1);
        assertThat(after.failureRecord("1.3").orElseThrow().lastReason())
                .isEqualTo("release 1.3 did not send its first Handshake within 120 s of its first start");
    }

    @Test
    void crashingReleaseDoesNotGetAFreshDeadlineAtEachRestart() {
        Instant firstStart = f.clock.instant();
        assertThat(process("1.3").started()).isEqualTo(Verdict.AWAIT_HANDSHAKE);

        f.clock.advance(Duration.ofSeconds(60));
        HandshakeGuard second = process("1.3");
        assertThat(second.started()).isEqualTo(Verdict.AWAIT_HANDSHAKE);
        assertThat(second.deadline()).contains(firstStart.plus(DEADLINE));

        f.clock.advance(Duration.ofSeconds(61));
        assertThat(process("1.3").started()).as("the first start after the deadline rolls back").isEqualTo(Verdict.RESTART);

        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.loadState().failureRecord("1.3").orElseThrow().lastReason())
                .isEqualTo("release 1.3 did not send its first Handshake within 120 s of its first start (3 starts)");
    }

    @Test
    void versionIsBadAfterThreeFailedProbations() {
        for (int attempt = 1; attempt <= 3; attempt++) {
            if (attempt > 1) {
                switchTo13();
            }
            HandshakeGuard guard = process("1.3");
            guard.started();
            f.clock.advance(DEADLINE);
            assertThat(guard.checkDeadline(f.clock.instant())).isEqualTo(Verdict.RESTART);
            assertThat(f.loadState().isBad("1.3")).isEqualTo(attempt == 3);
        }
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
    }

    @Test
    void previousReleaseStartedInPlaceOfOneThatWouldNotStartTakesOverAndCarriesOn() {
        // The new release never ran its guard (it died at start); the supervisor fell back to previous/.
        HandshakeGuard guard = process("1.2");

        assertThat(guard.started()).isEqualTo(Verdict.CARRY_ON);

        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        UpgradeState after = f.loadState();
        assertThat(after.inFlight()).isEmpty();
        assertThat(after.failureRecord("1.3").orElseThrow().lastReason())
                .isEqualTo("release 1.3 did not come up; release 1.2 was started instead");
    }

    @Test
    void switchThatNeverHappenedIsForgottenWithoutBlame() {
        switcher.rollBackTo("1.2");

        assertThat(process("1.2").started()).isEqualTo(Verdict.CARRY_ON);

        assertThat(f.loadState().inFlight()).isEmpty();
        assertThat(f.loadState().failures("1.3")).isZero();
    }

    @Test
    void withNoEarlierReleaseOnDiskTheNewOneStaysAndTheAgentCarriesOn() throws IOException {
        state.setInFlight(new InFlightSwitch("1.3", null, f.clock.instant(), null, 0, null));
        Files.delete(f.installDir.resolve("previous"));
        HandshakeGuard guard = process("1.3");
        guard.started();
        f.clock.advance(DEADLINE);

        assertThat(guard.checkDeadline(f.clock.instant())).isEqualTo(Verdict.CARRY_ON);

        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
        assertThat(f.loadState().failures("1.3")).isEqualTo(1);
        assertThat(f.loadState().inFlight()).isEmpty();
        assertThat(log.lines()).last().isEqualTo("ERROR release 1.3 did not send its first Handshake within 120 s of its "
                + "first start; there is no earlier release on disk to go back to, so it stays current (failure 1 of 3)");
    }

    @Test
    void rollbackFallsBackToTheLastGoodReleaseWhenPreviousIsGone() throws IOException {
        f.installed("1.1");
        state.recordGood("1.1");
        state.setInFlight(new InFlightSwitch("1.3", "1.2", f.clock.instant(), null, 0, null));
        switcher.rollBackTo("1.3");
        FileOps.deleteTree(f.installDir.resolve("releases/1.2"));
        HandshakeGuard guard = process("1.3");
        guard.started();
        f.clock.advance(DEADLINE);

        assertThat(guard.checkDeadline(f.clock.instant())).isEqualTo(Verdict.RESTART);
        assertThat(f.currentTarget()).isEqualTo("releases/1.1");
    }

    @Test
    void checkBeforeStartArmsTheDeadline() {
        HandshakeGuard guard = process("1.3");

        assertThat(guard.checkDeadline(f.clock.instant())).isEqualTo(Verdict.AWAIT_HANDSHAKE);
        assertThat(guard.deadline()).contains(f.clock.instant().plus(DEADLINE));
    }

    @Test
    void handshakeWithoutAnUpgradeRecordsTheRunningReleaseAsGood() {
        state.clearInFlight();
        HandshakeGuard guard = process("1.3");

        assertThat(guard.started()).isEqualTo(Verdict.CARRY_ON);
        guard.confirmed();

        assertThat(f.loadState().lastGood()).contains("1.3");
    }
}
