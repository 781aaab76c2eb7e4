package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsagent.launcher.upgrade.UpgradeException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseKindTest {

    private static final ReleaseKind LINUX_X64 = ReleaseKind.platform("linux-x64");

    @TempDir
    Path tmp;

    /** A release directory as the unpacker leaves it, with a runtime for {@code osArch} unless it is null. */
    Path release(String name, String osArch) throws IOException {
        Path dir = tmp.resolve(name);
        Tarball tarball = osArch == null ? Tarball.release() : Tarball.platformRelease(osArch);
        new SafeUnpacker().unpack(tarball.writeTo(tmp.resolve(name + ".tgz")), name, dir.getParent());
        return dir;
    }

    @Test
    void aReleaseWithoutARuntimeIsThePlainRelease() throws IOException {
        Path plain = release("1.3", null);

        assertThat(ReleaseKind.of(plain)).isEqualTo(ReleaseKind.PLAIN);
        assertThat(ReleaseKind.of(plain).isPlatform()).isFalse();
        assertThat(ReleaseKind.of(plain).tarballName()).isEqualTo("opsagent.tgz");
    }

    @Test
    void aReleaseWithItsOwnLinuxX8664RuntimeIsTheLinuxX64PlatformRelease() throws IOException {
        ReleaseKind kind = ReleaseKind.of(release("1.3", "x86_64"));

        assertThat(kind).isEqualTo(LINUX_X64);
        assertThat(kind.isPlatform()).isTrue();
        assertThat(kind.platformName()).contains("linux-x64");
        assertThat(kind.tarballName()).isEqualTo("opsagent-linux-x64.tgz")
                .as("the name release-sign gives the build's platform tarball")
                .isEqualTo(ReleaseFetcher.uploadName("opsagent-1.3-linux-x64.tgz"));
        assertThat(ReleaseKind.of(release("1.4", "amd64"))).isEqualTo(LINUX_X64);
    }

    @Test
    void theKindOfTheRunningReleaseComesFromTheDirectoryAboveTheJarsLib() throws IOException {
        Path platform = release("1.3", "x86_64");
        Path plain = release("1.2", null);

        assertThat(ReleaseKind.ofJar(platform.resolve("lib/opsagent.jar"))).isEqualTo(LINUX_X64);
        assertThat(ReleaseKind.ofJar(plain.resolve("lib/opsagent.jar"))).isEqualTo(ReleaseKind.PLAIN);
        assertThat(ReleaseKind.ofJar(tmp.resolve("target/classes"))).as("a build's classes")
                .isEqualTo(ReleaseKind.PLAIN);
    }

    @Test
    void aRuntimeJavaThatIsNotExecutableIsNotTheReleasesJavaAsForBinOpsagent() throws IOException {
        Path dir = release("1.3", "x86_64");
        FileOps.setMode(dir.resolve(ReleaseKind.RUNTIME_JAVA), FileOps.permissions(0644));

        assertThat(ReleaseKind.of(dir)).isEqualTo(ReleaseKind.PLAIN);
    }

    @Test
    void aRuntimeOfAPlatformWithoutAReleaseNameIsAPlatformReleaseWhoseUpgradeIsRefused() throws IOException {
        ReleaseKind kind = ReleaseKind.of(release("1.3", "ppc64le"));

        assertThat(kind.isPlatform()).as("never taken for the plain release").isTrue();
        assertThat(kind.platformName()).isEmpty();
        assertThatThrownBy(kind::tarballName).isInstanceOfSatisfying(UpgradeException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.REFUSED))
                .hasMessageStartingWith("the running release carries its own Java runtime for Linux ppc64le, for which"
                        + " no platform release is named");
    }

    @Test
    void aRuntimeWithoutAReleaseFileIsAPlatformReleaseOfNoKnownPlatform() throws IOException {
        Path dir = release("1.3", "x86_64");
        Files.delete(dir.resolve("runtime/release"));

        ReleaseKind kind = ReleaseKind.of(dir);

        assertThat(kind.isPlatform()).isTrue();
        assertThatThrownBy(kind::tarballName).hasMessageContaining("an OS and architecture neither its runtime/release"
                + " nor its runtime/bin/java names");
    }

    @Test
    void withoutOsLinesInTheReleaseFileAsJlinkWritesItThePlatformIsTheRuntimeJavasElfMachine() throws IOException {
        Path dir = release("1.3", "x86_64");
        Files.writeString(dir.resolve("runtime/release"), "JAVA_VERSION=\"17.0.15\"\nMODULES=\"java.base\"\n");
        byte[] elf = new byte[64];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        elf[4] = 2; // 64-bit
        elf[5] = 1; // little-endian
        elf[18] = 0x3e; // x86-64
        Files.write(dir.resolve("runtime/bin/java"), elf);

        assertThat(ReleaseKind.of(dir)).isEqualTo(LINUX_X64);

        elf[18] = (byte) 0xb7; // aarch64
        Files.write(dir.resolve("runtime/bin/java"), elf);
        assertThat(ReleaseKind.of(dir).platformName()).isEmpty();
        assertThatThrownBy(ReleaseKind.of(dir)::tarballName).hasMessageContaining("for Linux aarch64,");
    }

    @Test
    void theRunningJavaIsReadAsItsPlatform() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String[] elf = ReleaseKind.elfPlatform(java);

        assertThat(elf).as("this JVM's java is an ELF executable").isNotNull();
        assertThat(ReleaseKind.platformOf(elf[0], elf[1])).isEqualTo(ReleaseKind.hostPlatform());
    }

    @Test
    void platformNamesAreTheBootstraps() throws IOException {
        assertThat(ReleaseKind.platformOf("Linux", "x86_64")).contains("linux-x64");
        assertThat(ReleaseKind.platformOf("Linux", "amd64")).contains("linux-x64");
        assertThat(ReleaseKind.platformOf("Linux", "aarch64")).isEmpty();
        assertThat(ReleaseKind.platformOf("Mac OS X", "x86_64")).isEmpty();
        assertThat(ReleaseKind.platformOf(null, "x86_64")).isEmpty();

        String userdata = Files.readString(Path.of("src/dist/scripts/userdata.sh"));
        assertThat(userdata).contains("x86_64 | amd64) PLATFORM=linux-x64 ;;")
                .contains("$BASE_REMOTE/$VERSION/opsagent-$PLATFORM.tgz");
    }

    @Test
    void thePlatformTarballsUrlIsTheOrdersWithThePlatformBeforeTheExtension() {
        assertThat(LINUX_X64.tarballUrl("https://r.example.com/1.3/opsagent.tgz"))
                .isEqualTo("https://r.example.com/1.3/opsagent-linux-x64.tgz");
        assertThat(LINUX_X64.tarballUrl("https://r.example.com/opsagent-1.3.tgz"))
                .isEqualTo("https://r.example.com/opsagent-1.3-linux-x64.tgz");
        assertThat(LINUX_X64.tarballUrl("https://r.example.com/1.3/opsagent.tar.gz"))
                .isEqualTo("https://r.example.com/1.3/opsagent-linux-x64.tar.gz");
        assertThat(LINUX_X64.tarballUrl("https://r.example.com/1.3/opsagent-linux-x64.tgz"))
                .as("already the platform tarball").isEqualTo("https://r.example.com/1.3/opsagent-linux-x64.tgz");
        assertThat(ReleaseKind.PLAIN.tarballUrl("https://r.example.com/1.3/opsagent.tgz"))
                .isEqualTo("https://r.example.com/1.3/opsagent.tgz");
    }

    @Test
    void aPlatformHostTakesOnlyAReleaseWithARuntimeOfItsPlatform() throws IOException {
        Path plain = release("1.3", null);
        Path other = release("1.4", "aarch64");
        Path same = release("1.5", "x86_64");
        Optional<String> host = Optional.of("linux-x64");

        assertThatThrownBy(() -> LINUX_X64.requireStartsHere(plain, "1.3", host))
                .isInstanceOfSatisfying(UpgradeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.REJECTED))
                .hasMessage("release 1.3 has no runtime/bin/java, but this host runs the platform release linux-x64,"
                        + " whose own Java runtime the agent starts on, and may have no other Java; release 1.3 could"
                        + " not start here");
        assertThatThrownBy(() -> LINUX_X64.requireStartsHere(other, "1.4", host))
                .hasMessage("release 1.4 is a release with its own Java runtime for Linux aarch64, but this host runs"
                        + " the platform release linux-x64; its runtime could not start here");
        LINUX_X64.requireStartsHere(same, "1.5", host);
    }

    @Test
    void aPlainHostTakesThePlainReleaseOrOneWithARuntimeOfItsOwnPlatform() throws IOException {
        Path plain = release("1.3", null);
        Path same = release("1.5", "x86_64");

        ReleaseKind.PLAIN.requireStartsHere(plain, "1.3", Optional.of("linux-x64"));
        ReleaseKind.PLAIN.requireStartsHere(same, "1.5", Optional.of("linux-x64"));
        assertThatThrownBy(() -> ReleaseKind.PLAIN.requireStartsHere(same, "1.5", Optional.empty()))
                .isInstanceOfSatisfying(UpgradeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.REJECTED))
                .hasMessageStartingWith("release 1.5 is the platform release linux-x64, which cannot run on this host");
    }

    @Test
    void platformNamesAreCheckedWhenMade() {
        assertThatThrownBy(() -> ReleaseKind.platform("../x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'../x'");
    }
}
