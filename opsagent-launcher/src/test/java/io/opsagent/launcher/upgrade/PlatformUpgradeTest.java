package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.fsm.spi.Upgrader.UpgradeCallback;
import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host that runs a platform release (its own Java runtime) upgrades to the platform release of
 * the new version, and to nothing that could not start without a Java on the host; a plain host
 * keeps taking the plain release.
 */
class PlatformUpgradeTest {

    private static final ReleaseKind LINUX_X64 = ReleaseKind.platform("linux-x64");
    private static final String PLATFORM_TGZ = "opsagent-linux-x64.tgz";

    @TempDir
    Path tmp;

    Fixture f;
    Path downloads;
    ExecutorService thread;
    LogCapture quiet;

    @BeforeEach
    void hostRuns12() throws Exception {
        f = new Fixture(tmp).running("1.2");
        downloads = Files.createDirectories(tmp.resolve("downloads"));
        thread = Executors.newSingleThreadExecutor();
        quiet = LogCapture.of(ReleaseFetcher.class);
    }

    @AfterEach
    void tearDown() {
        quiet.close();
        thread.shutdownNow();
        f.close();
    }

    ReleaseFetcher fetcher() {
        return new ReleaseFetcher(ReleaseFetcher.newHttpClient(Duration.ofSeconds(5)), f.server.base(),
                f.key.getPublic(), UpgradeSettings.DEFAULT_MAX_DOWNLOAD_BYTES, Duration.ofSeconds(10));
    }

    String upgrade(ReleaseKind running, String version) throws Exception {
        LauncherUpgrader upgrader = new LauncherUpgrader(f.settings().build(), f.loadState(), "1.2", running, f.clock,
                thread);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        upgrader.upgrade(new AgentUpdate(version, null), new UpgradeCallback() {
            @Override
            public void finished() {
                outcome.complete("finished");
            }

            @Override
            public void failed(String reason) {
                outcome.complete("failed: " + reason);
            }
        });
        return outcome.get(20, TimeUnit.SECONDS);
    }

    /** Both tarballs of 1.3, as a release manager publishes them; returns the platform one. */
    byte[] publishBoth() {
        f.publish("1.3", Tarball.release().file("lib/kind.txt", "plain", 0644).bytes());
        return f.publish("1.3", PLATFORM_TGZ, Tarball.platformRelease("x86_64").file("lib/kind.txt", "platform", 0644)
                .bytes());
    }

    // ---------------------------------------------------------------- the fetcher

    @Test
    void aPlatformHostDownloadsThePlatformTarballFromBaseRemoteAndVerifiesIt() throws Exception {
        byte[] platform = publishBoth();

        FetchedRelease fetched = fetcher().fetch(new AgentUpdate("1.3", null), LINUX_X64, downloads);

        assertThat(Files.readAllBytes(fetched.tarball())).isEqualTo(platform);
        assertThat(fetched.tarball().getFileName()).hasToString(PLATFORM_TGZ);
        assertThat(fetched.source()).hasToString(f.server.base() + "/1.3/" + PLATFORM_TGZ);
        assertThat(fetched.sha256()).isEqualTo(Fixture.sha256(platform));
        assertThat(f.server.requests()).containsExactly("/opsagent/1.3/opsagent-linux-x64.tgz.sha256",
                "/opsagent/1.3/opsagent-linux-x64.tgz.sig", "/opsagent/1.3/opsagent-linux-x64.tgz");
    }

    @Test
    void aPlainHostStillDownloadsThePlainTarball() throws Exception {
        publishBoth();

        FetchedRelease fetched = fetcher().fetch(new AgentUpdate("1.3", null), ReleaseKind.PLAIN, downloads);

        assertThat(fetched.source()).hasToString(f.server.base() + "/1.3/opsagent.tgz");
        assertThat(f.server.requests()).containsExactly("/opsagent/1.3/opsagent.tgz.sha256",
                "/opsagent/1.3/opsagent.tgz.sig", "/opsagent/1.3/opsagent.tgz");
    }

    @Test
    void anOrdersTarballUrlIsTurnedIntoThePlatformTarballsUrl() throws Exception {
        publishBoth();
        String orderUrl = f.server.base() + "/1.3/opsagent.tgz";

        FetchedRelease fetched = fetcher().fetch(new AgentUpdate("1.3", orderUrl), LINUX_X64, downloads);

        assertThat(fetched.source()).hasToString(f.server.base() + "/1.3/" + PLATFORM_TGZ);
        assertThat(f.server.requests()).allMatch(r -> r.startsWith("/opsagent/1.3/opsagent-linux-x64.tgz"));
    }

    @Test
    void aMissingPlatformTarballFailsWithoutFallingBackToThePlainOne() {
        f.publish("1.3", Tarball.release().bytes());

        assertThatThrownBy(() -> fetcher().fetch(new AgentUpdate("1.3", null), LINUX_X64, downloads))
                .isInstanceOfSatisfying(UpgradeException.class, e -> assertThat(e.kind()).as("not the release's fault")
                        .isEqualTo(Kind.UNAVAILABLE))
                .hasMessage("checksum of opsagent-linux-x64.tgz 1.3 is missing: " + f.server.base()
                        + "/1.3/opsagent-linux-x64.tgz.sha256 answered HTTP 404; this host runs the platform release"
                        + " linux-x64, which brings its own Java runtime, and takes only opsagent-linux-x64.tgz (the"
                        + " plain opsagent.tgz needs a Java on the host): publish opsagent-linux-x64.tgz beside"
                        + " opsagent.tgz, signed with release-sign");
        assertThat(f.server.requests()).containsExactly("/opsagent/1.3/opsagent-linux-x64.tgz.sha256");
    }

    @Test
    void aPlatformTarballSignedAsAnotherVersionIsRejected() {
        byte[] platform = Tarball.platformRelease("x86_64").bytes();
        f.publish("1.3", PLATFORM_TGZ, platform);
        f.server.put("/opsagent/1.3/" + PLATFORM_TGZ + ".sig", Base64.getEncoder().encode(Fixture.signRelease("1.2",
                platform, f.key.getPrivate())));

        assertThatThrownBy(() -> fetcher().fetch(new AgentUpdate("1.3", null), LINUX_X64, downloads))
                .isInstanceOfSatisfying(UpgradeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.REJECTED))
                .hasMessage("signature of opsagent-linux-x64.tgz 1.3 does not verify with the configured key ("
                        + ReleaseKeys.fingerprint(f.key.getPublic()) + ")");
    }

    @Test
    void theOlderSignatureFormatIsNotLookedForInATarballTooLargeToBufferInTheHeap() throws Exception {
        // The JDK's Ed25519 holds the whole message in the heap: a 50 MB platform tarball would end a 64 MiB daemon.
        Path tarball = Tarball.platformRelease("x86_64").writeTo(tmp.resolve(PLATFORM_TGZ));
        byte[] olderFormat = Fixture.sign(Files.readAllBytes(tarball), f.key.getPrivate());
        String sha256 = ReleaseVerifier.sha256(tarball);
        long size = Files.size(tarball);

        assertThatThrownBy(() -> ReleaseVerifier.requireSignature(tarball, "1.3", sha256, olderFormat,
                f.key.getPublic(), "what", size))
                .hasMessageStartingWith("signature of what covers the tarball's bytes but not its version");
        assertThatThrownBy(() -> ReleaseVerifier.requireSignature(tarball, "1.3", sha256, olderFormat,
                f.key.getPublic(), "what", size - 1))
                .hasMessage("signature of what does not verify with the configured key ("
                        + ReleaseKeys.fingerprint(f.key.getPublic()) + ")");
        assertThat(ReleaseVerifier.olderFormatCheckLimit()).isEqualTo(Runtime.getRuntime().maxMemory() / 4);
    }

    // ---------------------------------------------------------------- the upgrader

    @Test
    void aPlatformHostUpgradesToThePlatformReleaseOfTheNewVersion() throws Exception {
        publishBoth();

        assertThat(upgrade(LINUX_X64, "1.3")).isEqualTo("finished");

        assertThat(f.currentTarget()).isEqualTo("releases/1.3");
        Path current = f.installDir.resolve("current");
        assertThat(Files.readString(current.resolve("lib/kind.txt"))).isEqualTo("platform");
        assertThat(Files.isExecutable(current.resolve(ReleaseKind.RUNTIME_JAVA))).isTrue();
        assertThat(ReleaseKind.of(current)).isEqualTo(LINUX_X64);
        assertThat(f.server.requests()).noneMatch(r -> r.contains("/opsagent.tgz"));
    }

    @Test
    void aPlainHostUpgradesToThePlainReleaseOfTheNewVersion() throws Exception {
        publishBoth();

        assertThat(upgrade(ReleaseKind.PLAIN, "1.3")).isEqualTo("finished");

        assertThat(Files.readString(f.installDir.resolve("current/lib/kind.txt"))).isEqualTo("plain");
        assertThat(f.server.requests()).noneMatch(r -> r.contains(PLATFORM_TGZ));
    }

    @Test
    void aPlatformHostKeepsItsReleaseWhenThePlatformTarballIsNotPublished() throws Exception {
        f.publish("1.3", Tarball.release().bytes());

        assertThat(upgrade(LINUX_X64, "1.3")).startsWith("failed: checksum of opsagent-linux-x64.tgz 1.3 is missing: ")
                .endsWith("publish opsagent-linux-x64.tgz beside opsagent.tgz, signed with release-sign");

        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.releasesListing()).containsExactly("1.2");
        assertThat(f.loadState().failures("1.3")).as("it may still be published").isZero();
    }

    @Test
    void aPlatformTarballWithoutARuntimeIsRejectedBeforeTheSwitchAndCounts() throws Exception {
        f.publish("1.3", PLATFORM_TGZ, Tarball.release().bytes());

        assertThat(upgrade(LINUX_X64, "1.3")).isEqualTo("failed: release 1.3 has no runtime/bin/java, but this host"
                + " runs the platform release linux-x64, whose own Java runtime the agent starts on, and may have no"
                + " other Java; release 1.3 could not start here (failure 1 of 3)");

        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
        assertThat(f.releasesListing()).as("nothing left in releases/").containsExactly("1.2");
        assertThat(f.loadState().inFlight()).isEmpty();
    }

    @Test
    void aPlatformHostWithARuntimeOfAnUnnamedPlatformRefusesWithoutDownloading() throws Exception {
        publishBoth();
        Path running = f.installDir.resolve("releases/1.2");
        Files.createDirectories(running.resolve("runtime/bin"));
        Files.writeString(running.resolve("runtime/bin/java"), "#!/bin/sh\n");
        FileOps.setMode(running.resolve("runtime/bin/java"), FileOps.permissions(0755));
        Files.writeString(running.resolve("runtime/release"), "OS_NAME=\"Linux\"\nOS_ARCH=\"riscv64\"\n");

        assertThat(upgrade(ReleaseKind.of(running), "1.3")).startsWith("failed: refused: the running release carries"
                + " its own Java runtime for Linux riscv64, for which no platform release is named");

        assertThat(f.server.requests()).isEmpty();
        assertThat(f.currentTarget()).isEqualTo("releases/1.2");
    }
}
