package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseKeysTest {

    @TempDir
    Path dir;

    final KeyPair pair = Fixture.newKeyPair();

    @Test
    void publicKeyReadsFromPemAndFromOneLineBase64() throws Exception {
        String pem = ReleaseKeys.toPem(pair.getPublic());
        String oneLine = ReleaseKeys.toBase64(pair.getPublic());
        Files.writeString(dir.resolve("release.pub"), pem);

        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
        assertThat(oneLine).doesNotContain("\n").startsWith("MCowBQYDK2VwAyEA");
        assertThat(ReleaseKeys.parsePublicKey(pem).getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        assertThat(ReleaseKeys.parsePublicKey("  " + oneLine + "\n").getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        assertThat(ReleaseKeys.readPublicKey(dir.resolve("release.pub")).getEncoded())
                .isEqualTo(pair.getPublic().getEncoded());
    }

    @Test
    void privateKeyReadsFromPkcs8Pem() throws Exception {
        Files.writeString(dir.resolve("release.key"), ReleaseKeys.toPem(pair.getPrivate()));

        assertThat(ReleaseKeys.readPrivateKey(dir.resolve("release.key")).getEncoded())
                .isEqualTo(pair.getPrivate().getEncoded());
    }

    @Test
    void keyOfAnotherAlgorithmIsRefusedWithItsReason() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        PublicKey rsaKey = rsa.generateKeyPair().getPublic();

        assertThatThrownBy(() -> ReleaseKeys.parsePublicKey(Base64.getEncoder().encodeToString(rsaKey.getEncoded())))
                .isInstanceOf(UpgradeException.class)
                .hasMessageStartingWith("the upgrade public key is not an Ed25519 public key (X.509 SubjectPublicKeyInfo, PEM or base64)");
    }

    @Test
    void privateKeyWhereAPublicKeyBelongsIsRefused() {
        assertThatThrownBy(() -> ReleaseKeys.parsePublicKey(ReleaseKeys.toPem(pair.getPrivate())))
                .hasMessage("upgrade public key is a PEM PRIVATE KEY, expected a PUBLIC KEY");
    }

    @Test
    void textThatIsNoKeyIsRefused() {
        assertThatThrownBy(() -> ReleaseKeys.parsePublicKey("")).hasMessage("upgrade public key is empty");
        assertThatThrownBy(() -> ReleaseKeys.parsePublicKey("not a key!"))
                .hasMessageStartingWith("upgrade public key is not valid base64");
        assertThatThrownBy(() -> ReleaseKeys.parsePublicKey("-----BEGIN PUBLIC KEY-----\nMCow"))
                .hasMessage("upgrade public key is not a complete PEM PUBLIC KEY block");
        assertThatThrownBy(() -> ReleaseKeys.readPublicKey(dir.resolve("absent.pub")))
                .hasMessageStartingWith("cannot read public key file " + dir.resolve("absent.pub"));
    }

    @Test
    void fingerprintIsShortAndStable() {
        String fp = ReleaseKeys.fingerprint(pair.getPublic());

        assertThat(fp).matches("SHA256:[0-9a-f]{16}");
        assertThat(ReleaseKeys.fingerprint(ReleaseKeys.parsePublicKey(ReleaseKeys.toBase64(pair.getPublic())))).isEqualTo(fp);
    }

    @Test
    void settingsRejectValuesOutOfRangeWhenBuilt() {
        UpgradeSettings.Builder b = UpgradeSettings.builder(dir, dir);

        assertThatThrownBy(() -> b.maxFailures(0).build()).hasMessage("maxFailures must be >= 1, was 0");
        assertThatThrownBy(() -> UpgradeSettings.builder(dir, dir).handshakeDeadline(Duration.ZERO).build())
                .hasMessage("handshakeDeadline must be > 0, was PT0S");
        assertThatThrownBy(() -> UpgradeSettings.builder(dir, dir).baseRemote(java.net.URI.create("file:///srv")).build())
                .hasMessage("base_remote must be an http or https URL, was file:///srv");
        UpgradeSettings defaults = UpgradeSettings.builder(dir, dir).build();
        assertThat(defaults.handshakeDeadline()).isEqualTo(Duration.ofSeconds(120));
        assertThat(defaults.maxFailures()).isEqualTo(3);
        assertThat(defaults.stateFile()).isEqualTo(dir.resolve("upgrade.json"));
    }
}
