package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.launcher.upgrade.HandshakeGuard.Verdict;
import io.opsagent.launcher.upgrade.UpgradeState.InFlightSwitch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Installing a release already on the host, with and without probation. */
class VerifyingInstallerTest {

    @TempDir
    Path tmp;

    Fixture f;
    Path tarball;
    byte[] bytes;

    @BeforeEach
    void runningRelease12() throws IOException {
        f = new Fixture(tmp.resolve("host")).running("1.2");
        bytes = Tarball.release().bytes();
        tarball = Files.write(tmp.resolve("opsagent.tgz"), bytes);
    }

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void onProbationASwitchIsRecordedInFlightWithTheReleaseItReplaces() {
        UpgradeState state = f.loadState();
        VerifyingInstaller installer = new VerifyingInstaller(f.installDir, f.key.getPublic()).onProbation(state, f.clock);

        installer.install("1.3", tarball, Fixture.sha256(bytes), Fixture.signRelease("1.3", bytes, f.key.getPrivate()));

        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
        assertThat(f.loadState().inFlight()).map(InFlightSwitch::version).contains("1.3");
        assertThat(f.loadState().inFlight()).map(InFlightSwitch::previousVersion).contains("1.2");
    }

    @Test
    void theReleaseSwitchedFromTakesCurrentBackWhenStartedInsteadOfOneOnProbation() {
        VerifyingInstaller installer =
                new VerifyingInstaller(f.installDir, f.key.getPublic()).onProbation(f.loadState(), f.clock);
        installer.install("1.3", tarball, Fixture.sha256(bytes), Fixture.signRelease("1.3", bytes, f.key.getPrivate()));

        // The keeper fell back to previous/bin/opsagent: release 1.2 starts while current is 1.3.
        UpgradeState state = f.loadState();
        HandshakeGuard guard = new HandshakeGuard(state, f.switcher(), "1.2", Duration.ofSeconds(120), f.clock);

        assertThat(guard.started()).isEqualTo(Verdict.CARRY_ON);
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(state.inFlight()).isEmpty();
        assertThat(state.failures("1.3")).isEqualTo(1);
    }

    @Test
    void aRefusedReleaseLeavesNoSwitchInFlight() {
        UpgradeState state = f.loadState();
        VerifyingInstaller installer = new VerifyingInstaller(f.installDir, f.key.getPublic()).onProbation(state, f.clock);
        byte[] foreign = Fixture.signRelease("1.3", bytes, Fixture.newKeyPair().getPrivate());

        assertThatThrownBy(() -> installer.install("1.3", tarball, Fixture.sha256(bytes), foreign))
                .isInstanceOf(UpgradeException.class).hasMessageContaining("does not verify");

        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.loadState().inFlight()).isEmpty();
    }

    @Test
    void withoutProbationNoUpgradeStateIsWritten() {
        new VerifyingInstaller(f.installDir, f.key.getPublic())
                .install("1.3", tarball, Fixture.sha256(bytes), Fixture.signRelease("1.3", bytes, f.key.getPrivate()));

        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
        assertThat(f.stateDir.resolve(UpgradeState.FILE_NAME)).doesNotExist();
    }
}
