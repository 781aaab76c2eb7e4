package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.fsm.protocol.AgentUpdate;
import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseFetcherTest {

    @TempDir
    Path tmp;

    Fixture f;
    Path downloads;
    byte[] tarball;

    @BeforeEach
    void publishRelease() throws IOException {
        f = new Fixture(tmp);
        downloads = Files.createDirectories(tmp.resolve("downloads"));
        byte[] noise = new byte[50_000];
        new Random(1).nextBytes(noise);
        tarball = f.publish("1.3", Tarball.release().file("data/noise", noise, 0644).bytes());
    }

    @AfterEach
    void stopServer() {
        f.close();
    }

    ReleaseFetcher fetcher() {
        return fetcher(UpgradeSettings.DEFAULT_MAX_DOWNLOAD_BYTES, Duration.ofSeconds(10));
    }

    ReleaseFetcher fetcher(long maxBytes, Duration timeout) {
        return new ReleaseFetcher(ReleaseFetcher.newHttpClient(Duration.ofSeconds(5)), f.server.base(),
                f.key.getPublic(), maxBytes, timeout);
    }

    String url(String file) {
        return f.server.base() + "/1.3/" + file;
    }

    @Test
    void downloadsAndVerifiesThePublishedRelease() throws IOException {
        FetchedRelease fetched = fetcher().fetch(new AgentUpdate("1.3", null), downloads);

        assertThat(Files.readAllBytes(fetched.tarball())).isEqualTo(tarball);
        assertThat(fetched.sha256()).isEqualTo(Fixture.sha256(tarball));
        assertThat(fetched.size()).isEqualTo(tarball.length);
        assertThat(fetched.source()).hasToString(url("opsagent.tgz"));
        assertThat(f.server.requests()).as("small files first, so a release without them is not downloaded")
                .containsExactly("/opsagent/1.3/opsagent.tgz.sha256", "/opsagent/1.3/opsagent.tgz.sig",
                        "/opsagent/1.3/opsagent.tgz");
    }

    @Test
    void theHttpClientIsMadeAtTheFirstDownloadAndThenKept() throws IOException {
        AtomicInteger made = new AtomicInteger();
        ReleaseFetcher fetcher = new ReleaseFetcher(() -> {
            made.incrementAndGet();
            return ReleaseFetcher.newHttpClient(Duration.ofSeconds(5));
        }, f.server.base(), f.key.getPublic(), UpgradeSettings.DEFAULT_MAX_DOWNLOAD_BYTES, Duration.ofSeconds(10));

        fetcher.tarballUri(new AgentUpdate("1.3", null));
        assertThat(made).as("not before a download").hasValue(0);

        fetcher.fetch(new AgentUpdate("1.3", null), downloads);
        fetcher.fetch(new AgentUpdate("1.3", null), downloads);
        assertThat(made).hasValue(1);
        assertThat(f.server.requests()).hasSize(6);
    }

    @Test
    void checksumMismatchIsRejected() {
        String wrong = "0".repeat(64);
        f.server.put("/opsagent/1.3/opsagent.tgz.sha256", (wrong + "  opsagent.tgz\n").getBytes(StandardCharsets.US_ASCII));

        fetchFails(Kind.REJECTED).hasMessage("checksum of opsagent.tgz 1.3 does not match: " + url("opsagent.tgz.sha256")
                + " says " + wrong + ", the downloaded file has " + Fixture.sha256(tarball));
    }

    @Test
    void signatureByAnotherKeyIsRejected() {
        f.publish("1.3", tarball, Fixture.newKeyPair().getPrivate());

        fetchFails(Kind.REJECTED).hasMessage("signature of opsagent.tgz 1.3 does not verify with the configured key ("
                + ReleaseKeys.fingerprint(f.key.getPublic()) + ")");
    }

    @Test
    void correctlySignedOlderReleaseServedUnderANewerVersionIsRefused() {
        // Release 1.2, genuinely signed as 1.2, is served with its own checksum and signature as 1.3.
        byte[] older = Tarball.release().file("data/old", "1.2", 0644).bytes();
        f.server.put("/opsagent/1.3/opsagent.tgz", older);
        f.server.put("/opsagent/1.3/opsagent.tgz.sha256", (Fixture.sha256(older) + "  opsagent.tgz\n").getBytes());
        f.server.put("/opsagent/1.3/opsagent.tgz.sig", Base64.getEncoder().encode(Fixture.signRelease("1.2", older,
                f.key.getPrivate())));

        fetchFails(Kind.REJECTED).hasMessage("signature of opsagent.tgz 1.3 does not verify with the configured key ("
                + ReleaseKeys.fingerprint(f.key.getPublic()) + ")");
    }

    @Test
    void signatureOverTheTarballBytesAloneIsRefusedWithTheFix() {
        f.server.put("/opsagent/1.3/opsagent.tgz.sig", Base64.getEncoder().encode(Fixture.sign(tarball,
                f.key.getPrivate())));

        fetchFails(Kind.REJECTED).hasMessage("signature of opsagent.tgz 1.3 covers the tarball's bytes but not its"
                + " version, a format agents no longer accept because it would let a release be served under another"
                + " version's name; re-sign the release with"
                + " 'opsagent release-sign --version 1.3 --key PRIVATE_KEY opsagent.tgz'");
    }

    @Test
    void tamperedTarballWithMatchingChecksumFailsTheSignature() {
        byte[] tampered = Tarball.release().file("bin/backdoor", "x", 0755).bytes();
        f.server.put("/opsagent/1.3/opsagent.tgz", tampered);
        f.server.put("/opsagent/1.3/opsagent.tgz.sha256", (Fixture.sha256(tampered) + "  opsagent.tgz\n").getBytes());

        fetchFails(Kind.REJECTED).hasMessageStartingWith("signature of opsagent.tgz 1.3 does not verify with the configured key");
    }

    @Test
    void missingSignatureIsReportedAndTheTarballIsNotDownloaded() {
        f.server.remove("/opsagent/1.3/opsagent.tgz.sig");

        fetchFails(Kind.UNAVAILABLE).hasMessage("signature of opsagent.tgz 1.3 is missing: " + url("opsagent.tgz.sig")
                + " answered HTTP 404");
        assertThat(f.server.requests()).doesNotContain("/opsagent/1.3/opsagent.tgz");
    }

    @Test
    void missingChecksumIsReported() {
        f.server.remove("/opsagent/1.3/opsagent.tgz.sha256");

        fetchFails(Kind.UNAVAILABLE).hasMessage("checksum of opsagent.tgz 1.3 is missing: " + url("opsagent.tgz.sha256")
                + " answered HTTP 404");
    }

    @Test
    void missingTarballIsReported() {
        f.server.remove("/opsagent/1.3/opsagent.tgz");

        fetchFails(Kind.UNAVAILABLE).hasMessage("opsagent.tgz 1.3 is missing: " + url("opsagent.tgz") + " answered HTTP 404");
    }

    @Test
    void serverErrorIsReported() {
        f.server.status("/opsagent/1.3/opsagent.tgz", 503);

        fetchFails(Kind.UNAVAILABLE).hasMessage("downloading the opsagent.tgz 1.3 from " + url("opsagent.tgz")
                + " failed: HTTP 503");
    }

    @Test
    void truncatedDownloadIsReported() {
        f.server.truncated("/opsagent/1.3/opsagent.tgz", tarball, tarball.length / 2);

        fetchFails(Kind.UNAVAILABLE).hasMessageStartingWith("downloading the opsagent.tgz 1.3 from " + url("opsagent.tgz")
                + " was cut short after ");
    }

    @Test
    void tarballDeclaredLargerThanTheLimitIsNotDownloaded() {
        fetcherFails(fetcher(10_000, Duration.ofSeconds(10)), Kind.REJECTED)
                .hasMessage("the opsagent.tgz 1.3 at " + url("opsagent.tgz") + " is larger than the limit of 10000 bytes"
                        + " (Content-Length " + tarball.length + ")");
    }

    @Test
    void tarballGrowingPastTheLimitWithoutContentLengthIsCutOff() {
        f.server.chunked("/opsagent/1.3/opsagent.tgz", tarball);

        fetcherFails(fetcher(10_000, Duration.ofSeconds(10)), Kind.REJECTED)
                .hasMessage("the opsagent.tgz 1.3 at " + url("opsagent.tgz") + " is larger than the limit of 10000 bytes"
                        + " (more than 10000 bytes arrived)");
    }

    @Test
    void stalledDownloadTimesOut() {
        f.server.stall("/opsagent/1.3/opsagent.tgz");

        fetcherFails(fetcher(UpgradeSettings.DEFAULT_MAX_DOWNLOAD_BYTES, Duration.ofMillis(400)), Kind.UNAVAILABLE)
                .hasMessageStartingWith("downloading the opsagent.tgz 1.3 from " + url("opsagent.tgz")
                        + " timed out after 400 ms");
    }

    @Test
    void signatureFileThatIsNotBase64IsRejected() {
        f.server.put("/opsagent/1.3/opsagent.tgz.sig", "-----BEGIN PGP SIGNATURE-----\n".getBytes());

        fetchFails(Kind.REJECTED).hasMessageStartingWith("signature file of opsagent.tgz 1.3 is not base64 of a 64-byte Ed25519 signature");
    }

    @Test
    void signatureOfTheWrongLengthIsRejected() {
        f.server.put("/opsagent/1.3/opsagent.tgz.sig", Base64.getEncoder().encode(new byte[10]));

        fetchFails(Kind.REJECTED).hasMessage("signature file of opsagent.tgz 1.3 holds 10 bytes, not a 64-byte Ed25519 signature");
    }

    @Test
    void checksumFileNotInSha256sumFormatIsRejected() {
        f.server.put("/opsagent/1.3/opsagent.tgz.sha256", "4294967295 1234 opsagent.tgz\n".getBytes());

        fetchFails(Kind.REJECTED).hasMessage("checksum file of opsagent.tgz 1.3 is not in sha256sum format "
                + "('<64 hex digits>  opsagent.tgz'): starts with '4294967295 1234 opsagent.tgz'");
    }

    @Test
    void oversizedCompanionFileIsRejected() {
        f.server.put("/opsagent/1.3/opsagent.tgz.sha256", new byte[5000]);

        fetchFails(Kind.REJECTED).hasMessageStartingWith("the checksum of opsagent.tgz 1.3 at " + url("opsagent.tgz.sha256")
                + " is larger than the limit of 4 KiB");
    }

    @Test
    void orderUrlNamingATarballIsDownloadedWithItsCompanions() throws IOException {
        f.server.put("/mirror/custom.tar.gz", tarball);
        f.server.put("/mirror/custom.tar.gz.sha256", (Fixture.sha256(tarball) + "  custom.tar.gz\n").getBytes());
        f.server.put("/mirror/custom.tar.gz.sig", Base64.getEncoder().encode(Fixture.signRelease("1.3", tarball,
                f.key.getPrivate())));
        String url = "http://127.0.0.1:" + f.server.base().getPort() + "/mirror/custom.tar.gz";

        FetchedRelease fetched = fetcher().fetch(new AgentUpdate("1.3", url), downloads);

        assertThat(fetched.source()).hasToString(url);
        assertThat(Files.readAllBytes(fetched.tarball())).isEqualTo(tarball);
        assertThat(f.server.requests()).allMatch(p -> p.startsWith("/mirror/"));
    }

    @Test
    void orderUrlThatIsAWebSocketUriIsIgnored() {
        // The original agent sent the backend's new WebSocket URI in this field.
        AgentUpdate order = new AgentUpdate("1.3", "wss://backend.example/agent/");

        assertThat(fetcher().tarballUri(order)).hasToString(url("opsagent.tgz"));
        assertThat(fetcher().fetch(order, downloads).source()).hasToString(url("opsagent.tgz"));
    }

    @Test
    void orderUrlWithAQueryIsIgnored() {
        assertThat(ReleaseFetcher.directUrl("https://cdn.example/opsagent.tgz?token=1")).isEmpty();
        assertThat(ReleaseFetcher.directUrl("ftp://cdn.example/opsagent.tgz")).isEmpty();
        assertThat(ReleaseFetcher.directUrl("https://cdn.example/opsagent.tgz")).contains(URI.create("https://cdn.example/opsagent.tgz"));
    }

    @Test
    void withoutBaseRemoteOrTarballUrlTheOrderIsRefused() {
        ReleaseFetcher noBase = new ReleaseFetcher(ReleaseFetcher.newHttpClient(Duration.ofSeconds(1)), null,
                f.key.getPublic(), 1000, Duration.ofSeconds(1));

        assertThatThrownBy(() -> noBase.fetch(new AgentUpdate("1.3", null), downloads))
                .isInstanceOf(UpgradeException.class)
                .hasMessage("no base_remote is configured to download release 1.3 from");
    }

    @Test
    void versionThatCouldEscapeTheUrlPathIsRefused() {
        assertThatThrownBy(() -> fetcher().fetch(new AgentUpdate("../1.3", null), downloads))
                .hasMessageStartingWith("version '../1.3' is not a release name");
        assertThatThrownBy(() -> fetcher().fetch(new AgentUpdate("1.3; rm -rf /", null), downloads))
                .hasMessageStartingWith("version '1.3; rm -rf /' is not a release name");
        assertThat(f.server.requests()).isEmpty();
    }

    private AbstractThrowableAssert<?, ? extends Throwable> fetchFails(Kind kind) {
        return fetcherFails(fetcher(), kind);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> fetcherFails(ReleaseFetcher fetcher, Kind kind) {
        return assertThatThrownBy(() -> fetcher.fetch(new AgentUpdate("1.3", null), downloads))
                .isInstanceOf(UpgradeException.class)
                .satisfies(e -> assertThat(((UpgradeException) e).kind()).as(Arrays.toString(new Object[] {e}))
                        .isEqualTo(kind));
    }
}
