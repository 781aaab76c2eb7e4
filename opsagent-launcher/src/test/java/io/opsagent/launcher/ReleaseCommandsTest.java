package io.opsagent.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.launcher.upgrade.ReleaseKeys;
import io.opsagent.launcher.upgrade.ReleaseSigner;
import io.opsagent.launcher.upgrade.Tarball;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code opsagent release-keygen} and {@code opsagent release-sign}, run in process as a release manager would. */
class ReleaseCommandsTest {

    @TempDir
    Path dir;

    private ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final RecordingRuntime runtime = new RecordingRuntime(ExitCodes.OK);

    /**
     * Runs one command. {@code OPSAGENT_ROOT} names a folder that does not exist: a command that
     * looked for a root would fail with "root ... is not a directory".
     */
    private int execute(String... args) {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        Launcher launcher = new Launcher(() -> runtime,
                Map.of(Launcher.ROOT_VARIABLE, dir.resolve("no-such-root").toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new FakeShutdownHooks(), Clock.systemUTC());
        return launcher.execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- release-keygen

    @Test
    void keygenWritesThePairAndPrintsTheLineForTheConfiguration() throws IOException {
        Path keys = dir.resolve("keys");

        int code = execute("release-keygen", "--out", keys.toString());

        assertThat(code).as(err()).isZero();
        assertThat(err()).isEmpty();
        Path privateKey = keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE);
        Path publicKey = keys.resolve(ReleaseSigner.PUBLIC_KEY_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey))).isEqualTo("rw-------");
        PublicKey written = ReleaseKeys.readPublicKey(publicKey);
        assertThat(out()).isEqualTo("private key: " + privateKey + " (mode 0600; keep it offline, never on an agent)\n"
                + "public key:  " + publicKey + "\n"
                + "fingerprint: " + ReleaseKeys.fingerprint(written) + " (agents log it when they check a release)\n"
                + "\n"
                + "For every agent's configuration (/etc/opsagent.conf):\n"
                + "[upgrade]\n"
                + "public_key = " + ReleaseKeys.toBase64(written) + "\n");
        assertThat(dir.resolve("no-such-root")).doesNotExist();
    }

    @Test
    void keygenNeverOverwritesAKeyAndSaysSo() throws IOException {
        Path keys = dir.resolve("keys");
        assertThat(execute("release-keygen", "--out", keys.toString())).isZero();
        String before = Files.readString(keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE));

        int code = execute("release-keygen", "--out", keys.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).isEqualTo("opsagent: " + keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE)
                + " exists; refusing to overwrite a key file\n");
        assertThat(out()).isEmpty();
        assertThat(Files.readString(keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE))).isEqualTo(before);
    }

    @Test
    void keygenWithoutOutSaysWhatIsMissingAndPrintsTheUsage() {
        int code = execute("release-keygen");

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).startsWith("opsagent: release-keygen: where to? give --out DIR, the directory for the new "
                + "key files\n\nUsage: opsagent release-keygen [-h] --out=DIR\n");
        assertThat(out()).isEmpty();
    }

    // ---------------------------------------------------------------- release-sign

    @Test
    void signWritesTheChecksumAndSignatureAgentsCheckAndSaysWhatToUpload() throws IOException {
        Path keys = dir.resolve("keys");
        assertThat(execute("release-keygen", "--out", keys.toString())).isZero();
        String publicKeyLine = publicKeyLine(out());
        Path tarball = Tarball.release().writeTo(dir.resolve("dist/opsagent.tgz"));

        int code = execute("release-sign", "--version", "1.3", "--key", keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE).toString(),
                tarball.toString());

        assertThat(code).as(err()).isZero();
        PublicKey key = ReleaseKeys.parsePublicKey(publicKeyLine);
        ReleaseSigner.SignedRelease verified = ReleaseSigner.verify(tarball, "1.3", key);
        assertThat(out()).isEqualTo("checked: agents would unpack " + tarball + " (" + Files.size(tarball) + " bytes)\n"
                + "version: 1.3 (signed with the sha256; agents accept it only as this version)\n"
                + "sha256:  " + verified.sha256() + "\n"
                + "wrote " + dir.resolve("dist/opsagent.tgz.sha256") + "\n"
                + "wrote " + dir.resolve("dist/opsagent.tgz.sig") + "\n"
                + "verified with " + keys.resolve(ReleaseSigner.PUBLIC_KEY_FILE) + " (" + ReleaseKeys.fingerprint(key)
                + ")\n"
                + "Upload to <base_remote>/1.3/, the tarball first and the signature last:\n"
                + "  opsagent.tgz, opsagent.tgz.sha256, opsagent.tgz.sig\n");
        assertThat(Files.readString(dir.resolve("dist/opsagent.tgz.sha256")))
                .isEqualTo(verified.sha256() + "  opsagent.tgz\n");
        assertThat(dir.resolve("no-such-root")).doesNotExist();
        assertThatThrownBy(() -> ReleaseSigner.verify(tarball, "1.4", key))
                .hasMessageStartingWith("signature of opsagent.tgz 1.4 does not verify");
    }

    @Test
    void signRefusesAVersionThatIsNotAReleaseName() throws IOException {
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));

        int code = execute("release-sign", "--version", "../1.3", "--key", "k.key", tarball.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).startsWith("opsagent: release-sign: --version ../1.3 is not a release name");
        assertThat(dir.resolve("opsagent.tgz.sig")).doesNotExist();
    }

    @Test
    void signOfATarballWithAnotherNameSaysUnderWhichNamesToUploadIt() throws IOException {
        Path keys = dir.resolve("keys");
        assertThat(execute("release-keygen", "--out", keys.toString())).isZero();
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent-1.3.tgz"));

        int code = execute("release-sign", "--version=1.3", "--key=" + keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE), tarball.toString());

        assertThat(code).as(err()).isZero();
        assertThat(out()).endsWith("  " + tarball + " as opsagent.tgz\n"
                + "  " + tarball + ".sha256 as opsagent.tgz.sha256\n"
                + "  " + tarball + ".sig as opsagent.tgz.sig\n");
        assertThat(dir.resolve("opsagent-1.3.tgz.sig")).isRegularFile();
    }

    @Test
    void signOfAPlatformTarballSaysToUploadItUnderThePlatformName() throws IOException {
        Path keys = dir.resolve("keys");
        assertThat(execute("release-keygen", "--out", keys.toString())).isZero();
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent-1.3-linux-x64.tgz"));

        int code = execute("release-sign", "--version=1.3", "--key=" + keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE), tarball.toString());

        assertThat(code).as(err()).isZero();
        assertThat(out()).endsWith("  " + tarball + " as opsagent-linux-x64.tgz\n"
                + "  " + tarball + ".sha256 as opsagent-linux-x64.tgz.sha256\n"
                + "  " + tarball + ".sig as opsagent-linux-x64.tgz.sig\n");
    }

    @Test
    void signRefusesATarballAgentsWouldRejectAndWritesNothing() throws IOException {
        Path keys = dir.resolve("keys");
        assertThat(execute("release-keygen", "--out", keys.toString())).isZero();
        Path tarball = Tarball.empty().dir("bin", 0755).file("bin/opsagent", "#!/bin/sh\n", 0755)
                .writeTo(dir.resolve("opsagent.tgz"));

        int code = execute("release-sign", "--version", "1.3", "--key", keys.resolve(ReleaseSigner.PRIVATE_KEY_FILE).toString(),
                tarball.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).startsWith("opsagent: not signing " + tarball + ": agents would reject it: ")
                .contains("lib/opsagent.jar")
                .doesNotContain("\tat ");
        assertThat(dir.resolve("opsagent.tgz.sha256")).doesNotExist();
        assertThat(dir.resolve("opsagent.tgz.sig")).doesNotExist();
    }

    @Test
    void signCatchesAPublicKeyBesideThePrivateKeyThatIsNotItsPair() throws IOException {
        assertThat(execute("release-keygen", "--out", dir.resolve("a").toString())).isZero();
        assertThat(execute("release-keygen", "--out", dir.resolve("b").toString())).isZero();
        Files.copy(dir.resolve("b/opsagent-release.pub"), dir.resolve("a/opsagent-release.pub"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));

        int code = execute("release-sign", "--version", "1.3", "--key", dir.resolve("a/opsagent-release.key").toString(),
                tarball.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).startsWith("opsagent: the new signature does not verify with "
                + dir.resolve("a/opsagent-release.pub") + ", which is not the public key of "
                + dir.resolve("a/opsagent-release.key") + " (");
        assertThat(err()).endsWith("agents configured with that public key would reject this release\n");
    }

    @Test
    void signSaysWhichFileIsMissing() throws IOException {
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));

        assertThat(execute("release-sign", "--version", "1.3", "--key", dir.resolve("none.key").toString(), tarball.toString()))
                .isEqualTo(ExitCodes.ERROR);
        assertThat(err()).isEqualTo("opsagent: private key " + dir.resolve("none.key") + ": no such file\n");

        assertThat(execute("release-keygen", "--out", dir.resolve("keys").toString())).isZero();
        assertThat(execute("release-sign", "--version", "1.3", "--key", dir.resolve("keys/opsagent-release.key").toString(),
                dir.resolve("missing.tgz").toString())).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).isEqualTo("opsagent: tarball " + dir.resolve("missing.tgz") + ": no such file\n");
    }

    @Test
    void signWithAPublicKeyInsteadOfThePrivateOneSaysSo() throws IOException {
        assertThat(execute("release-keygen", "--out", dir.resolve("keys").toString())).isZero();
        Path tarball = Tarball.release().writeTo(dir.resolve("opsagent.tgz"));

        int code = execute("release-sign", "--version", "1.3", "--key", dir.resolve("keys/opsagent-release.pub").toString(),
                tarball.toString());

        assertThat(code).isEqualTo(ExitCodes.ERROR);
        assertThat(err()).isEqualTo("opsagent: private key " + dir.resolve("keys/opsagent-release.pub")
                + " is a PEM PUBLIC KEY, expected a PRIVATE KEY\n");
        assertThat(dir.resolve("opsagent.tgz.sig")).doesNotExist();
    }

    private static String publicKeyLine(String keygenOutput) {
        Matcher m = Pattern.compile("(?m)^public_key = (\\S+)$").matcher(keygenOutput);
        assertThat(m.find()).as(keygenOutput).isTrue();
        return m.group(1);
    }
}
