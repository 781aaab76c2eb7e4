package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opsagent.fsm.protocol.AgentUpdate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseSignerTest {

    @TempDir
    Path dir;

    @Test
    void keygenWritesAPrivateKeyOnlyItsOwnerCanReadAndAPublicKeyForTheConfig() throws IOException {
        ReleaseSigner.KeyFiles keys = ReleaseSigner.generateKeyPair(dir.resolve("keys"));

        assertThat(keys.privateKey()).isEqualTo(dir.resolve("keys/opsagent-release.key"));
        assertThat(keys.publicKey()).isEqualTo(dir.resolve("keys/opsagent-release.pub"));
        assertThat(mode(keys.privateKey())).isEqualTo("rw-------");
        assertThat(mode(keys.publicKey())).isEqualTo("rw-r--r--");
        assertThat(Files.readString(keys.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----\n");
        PublicKey fromFile = ReleaseKeys.readPublicKey(keys.publicKey());
        assertThat(ReleaseKeys.parsePublicKey(keys.publicKeyBase64()).getEncoded()).isEqualTo(fromFile.getEncoded());
        assertThat(keys.fingerprint()).isEqualTo(ReleaseKeys.fingerprint(fromFile));
    }

    @Test
    void keygenNeverOverwritesAKey() throws IOException {
        ReleaseSigner.KeyFiles first = ReleaseSigner.generateKeyPair(dir);
        String before = Files.readString(first.privateKey());

        assertThatThrownBy(() -> ReleaseSigner.generateKeyPair(dir))
                .isInstanceOf(UpgradeException.class)
                .hasMessage(first.privateKey() + " exists; refusing to overwrite a key file");
        assertThat(Files.readString(first.privateKey())).isEqualTo(before);
    }

    @Test
    void signedReleaseIsAcceptedByTheAgent() throws IOException {
        ReleaseSigner.KeyFiles keys = ReleaseSigner.generateKeyPair(dir.resolve("keys"));
        Path tarball = Tarball.release().writeTo(dir.resolve("dist/opsagent.tgz"));

        ReleaseSigner.SignedRelease signed = ReleaseSigner.sign(tarball, "1.3", keys.privateKey());

        assertThat(signed.version()).isEqualTo("1.3");
        assertThat(signed.checksumFile()).isEqualTo(dir.resolve("dist/opsagent.tgz.sha256"));
        assertThat(signed.signatureFile()).isEqualTo(dir.resolve("dist/opsagent.tgz.sig"));
        assertThat(Files.readString(signed.checksumFile())).isEqualTo(signed.sha256() + "  opsagent.tgz\n");
        assertThat(Base64.getDecoder().decode(Files.readString(signed.signatureFile()).strip())).hasSize(64);
        PublicKey key = ReleaseKeys.readPublicKey(keys.publicKey());
        assertThat(ReleaseSigner.verify(tarball, "1.3", key).sha256()).isEqualTo(signed.sha256());
        assertThatThrownBy(() -> ReleaseSigner.verify(tarball, "1.4", key))
                .hasMessageStartingWith("signature of opsagent.tgz 1.4 does not verify with the configured key");

        // Uploaded as <base_remote>/1.3/..., an agent configured with the public key takes it.
        try (Fixture f = new Fixture(dir.resolve("host"))) {
            for (String name : List.of("opsagent.tgz", "opsagent.tgz.sha256", "opsagent.tgz.sig")) {
                f.server.put("/opsagent/1.3/" + name, Files.readAllBytes(dir.resolve("dist").resolve(name)));
            }
            ReleaseFetcher fetcher = new ReleaseFetcher(ReleaseFetcher.newHttpClient(Duration.ofSeconds(5)),
                    f.server.base(), key, 1 << 20, Duration.ofSeconds(10));
            assertThat(fetcher.fetch(new AgentUpdate("1.3", null), Files.createDirectories(dir.resolve("dl"))).sha256())
                    .isEqualTo(signed.sha256());
            // The same files under another version's name are refused.
            for (String name : List.of("opsagent.tgz", "opsagent.tgz.sha256", "opsagent.tgz.sig")) {
                f.server.put("/opsagent/1.4/" + name, Files.readAllBytes(dir.resolve("dist").resolve(name)));
            }
            assertThatThrownBy(() -> fetcher.fetch(new AgentUpdate("1.4", null), Files.createDirectories(dir.resolve("dl4"))))
                    .hasMessageStartingWith("signature of opsagent.tgz 1.4 does not verify with the configured key");
        }
    }

    @Test
    void verifyRejectsATamperedTarballAndAnotherKey() throws IOException {
        ReleaseSigner.KeyFiles keys = ReleaseSigner.generateKeyPair(dir.resolve("keys"));
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));
        ReleaseSigner.sign(tarball, "1.3", keys.privateKey());

        assertThatThrownBy(() -> ReleaseSigner.verify(tarball, "1.3", Fixture.newKeyPair().getPublic()))
                .hasMessageStartingWith("signature of opsagent.tgz 1.3 does not verify with the configured key");
        Files.write(tarball, Tarball.release().file("extra", "x", 0644).bytes());
        assertThatThrownBy(() -> ReleaseSigner.verify(tarball, "1.3", ReleaseKeys.readPublicKey(keys.publicKey())))
                .hasMessageStartingWith("checksum of opsagent.tgz 1.3 does not match");
    }

    @Test
    void tarballAgentsWouldRejectIsNotSigned() throws IOException {
        ReleaseSigner.KeyFiles keys = ReleaseSigner.generateKeyPair(dir.resolve("keys"));
        Path tarball = Tarball.release().symlink("etc", "/etc").writeTo(dir.resolve("opsagent.tgz"));

        assertThatThrownBy(() -> ReleaseSigner.sign(tarball, "1.3", keys.privateKey()))
                .isInstanceOf(UpgradeException.class)
                .hasMessage("not signing " + tarball + ": agents would reject it: symbolic link 'etc' -> '/etc' "
                        + "points outside the release directory (absolute target)");
        assertThat(dir.resolve("opsagent.tgz.sig")).doesNotExist();
        assertThat(dir.resolve("opsagent.tgz.sha256")).doesNotExist();
    }

    @Test
    void signingNeedsAPrivateKey() throws IOException {
        ReleaseSigner.KeyFiles keys = ReleaseSigner.generateKeyPair(dir.resolve("keys"));
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));

        assertThatThrownBy(() -> ReleaseSigner.sign(tarball, "1.3", keys.publicKey()))
                .hasMessage("private key " + keys.publicKey() + " is a PEM PUBLIC KEY, expected a PRIVATE KEY");
    }

    @Test
    void keysAndSignaturesAreInterchangeableWithOpenSsl() throws Exception {
        assumeTrue(output(dir, "openssl", "pkeyutl", "-help").contains("-rawin"),
                "openssl 3 (pkeyutl -rawin, for Ed25519 over a file) is not installed");
        assumeTrue(run(dir, "openssl", "genpkey", "-algorithm", "ed25519", "-out", "openssl.key") == 0,
                "this openssl cannot make Ed25519 keys");
        assertThat(run(dir, "openssl", "pkey", "-in", "openssl.key", "-pubout", "-out", "openssl.pub")).isZero();
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));

        // A key made by OpenSSL signs here; OpenSSL verifies the signature written here.
        // The signed text is the one docs/upgrade.md tells OpenSSL users to write with printf.
        ReleaseSigner.SignedRelease signed = ReleaseSigner.sign(tarball, "1.3", dir.resolve("openssl.key"));
        Files.write(dir.resolve("sig.bin"), Base64.getDecoder().decode(Files.readString(signed.signatureFile()).strip()));
        Files.writeString(dir.resolve("release.txt"), "opsagent-release v1\nversion=1.3\nsha256=" + signed.sha256() + "\n");
        int verified = run(dir, "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "openssl.pub", "-rawin",
                "-in", "release.txt", "-sigfile", "sig.bin");
        assertThat(verified).isZero();
        assertThat(ReleaseSigner.verify(tarball, "1.3", ReleaseKeys.readPublicKey(dir.resolve("openssl.pub"))))
                .isNotNull();
    }

    private static String output(Path cwd, String... command) throws IOException, InterruptedException {
        Path out = cwd.resolve("command-output.txt");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            return "";
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return Files.readString(out);
    }

    private static int run(Path cwd, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return 127;
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return 124;
        }
        return p.exitValue();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
