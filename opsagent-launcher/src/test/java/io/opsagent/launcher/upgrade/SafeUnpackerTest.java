package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeUnpackerTest {

    @TempDir
    Path root;

    Path releases;
    Path outside;

    @BeforeEach
    void runningReleaseExists() throws IOException {
        releases = root.resolve("opt/visualops/releases");
        outside = root.resolve("outside");
        Files.createDirectories(releases.resolve("1.2/bin"));
        Files.writeString(releases.resolve("1.2/bin/opsagent"), "the running release");
        Files.createDirectories(outside);
    }

    @Test
    void unpacksReleaseKeepingPermissionBitsAndInsideLinks() throws IOException {
        Path tgz = Tarball.release()
                .file("bin/helper", "x", 04755)
                .file("conf/private.conf", "secret", 0600)
                .symlink("lib/current.jar", "opsagent.jar")
                .symlink("bin/lib", "../lib")
                .writeTo(root.resolve("opsagent.tgz"));

        Path dir = new SafeUnpacker().unpack(tgz, "1.3", releases);

        assertThat(dir).isEqualTo(releases.resolve("1.3"));
        assertThat(Files.readString(dir.resolve("lib/opsagent.jar"))).startsWith("PK");
        assertThat(mode(dir.resolve("bin/opsagent"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(dir.resolve("conf/private.conf"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("bin/helper"))).as("setuid dropped, permission bits kept").isEqualTo("rwxr-xr-x");
        assertThat(Files.readSymbolicLink(dir.resolve("lib/current.jar")).toString()).isEqualTo("opsagent.jar");
        assertThat(Files.readSymbolicLink(dir.resolve("bin/lib")).toString()).isEqualTo("../lib");
        assertThat(mode(dir)).isEqualTo("rwxr-xr-x");
        assertThat(listing()).containsExactly("1.2", "1.3");
    }

    @Test
    void releaseInsideOneTopLevelDirectoryIsLiftedOut() throws IOException {
        Path tgz = Tarball.empty()
                .dir("opsagent-1.3", 0755)
                .file("opsagent-1.3/bin/opsagent", "#!/bin/sh\n", 0755)
                .file("opsagent-1.3/lib/opsagent.jar", "PK", 0644)
                .writeTo(root.resolve("opsagent.tgz"));

        Path dir = new SafeUnpacker().unpack(tgz, "1.3", releases);

        assertThat(dir.resolve("bin/opsagent")).isRegularFile();
        assertThat(dir.resolve("opsagent-1.3")).doesNotExist();
        assertThat(listing()).containsExactly("1.2", "1.3");
    }

    @Test
    void existingDirectoryOfTheSameVersionIsReplacedWhole() throws IOException {
        Files.createDirectories(releases.resolve("1.3"));
        Files.writeString(releases.resolve("1.3/stale"), "from an earlier attempt");

        new SafeUnpacker().unpack(Tarball.release().writeTo(root.resolve("opsagent.tgz")), "1.3", releases);

        assertThat(releases.resolve("1.3/stale")).doesNotExist();
        assertThat(releases.resolve("1.3/bin/opsagent")).isRegularFile();
        assertThat(listing()).containsExactly("1.2", "1.3");
    }

    static Stream<Arguments> hostileArchives() {
        return Stream.of(
                Arguments.of("path traversal", Tarball.release().file("../evil", "x", 0644),
                        "entry '../evil' climbs out of the release directory with '..'"),
                Arguments.of("traversal in the middle", Tarball.release().file("lib/../../../evil", "x", 0644),
                        "entry 'lib/../../../evil' climbs out of the release directory with '..'"),
                Arguments.of("absolute path", Tarball.release().file("/etc/evil", "x", 0644),
                        "entry '/etc/evil' has an absolute path; release entries must be relative"),
                Arguments.of("symlink to an absolute path", Tarball.release().symlink("link", "/etc"),
                        "symbolic link 'link' -> '/etc' points outside the release directory (absolute target)"),
                Arguments.of("symlink climbing out", Tarball.release().symlink("link", "../../x"),
                        "symbolic link 'link' -> '../../x' points outside the release directory"),
                Arguments.of("symlink escaping through another link", Tarball.release()
                                .dir("s", 0755).symlink("s/x", "..").symlink("e", "s/x/../1.2"),
                        "symbolic link 'e' -> 's/x/../1.2' resolves outside the release directory (through other links)"),
                Arguments.of("file written through a link", Tarball.release()
                                .symlink("sub", "lib").file("sub/evil", "x", 0644),
                        "has a symbolic link that collides with another entry"),
                Arguments.of("link under a link", Tarball.release()
                                .symlink("sub", "lib").symlink("sub/evil", "opsagent.jar"),
                        "entry 'sub/evil' would be written through the symbolic link 'sub'"),
                Arguments.of("dangling symlink", Tarball.release().symlink("bin/java", "../jre/bin/java"),
                        "symbolic link 'bin/java' -> '../jre/bin/java' points to nothing in the release"),
                Arguments.of("hard link", Tarball.release().hardLink("lib/copy.jar", "lib/opsagent.jar"),
                        "entry 'lib/copy.jar' is a hard link to 'lib/opsagent.jar'; releases may not contain hard links"),
                Arguments.of("character device", Tarball.release().charDevice("dev/null"),
                        "entry 'dev/null' is a character device; releases may contain only files, directories and symbolic links"),
                Arguments.of("fifo", Tarball.release().fifo("run/pipe"),
                        "entry 'run/pipe' is a FIFO; releases may contain only files, directories and symbolic links"),
                Arguments.of("duplicate entry", Tarball.release().file("bin/opsagent", "again", 0755),
                        "entry 'bin/opsagent' appears twice"),
                Arguments.of("no launcher", Tarball.empty().file("lib/opsagent.jar", "PK", 0644),
                        "release 1.3 has no bin/opsagent (a regular file); it is not an opsagent release"),
                Arguments.of("no jar", Tarball.empty().file("bin/opsagent", "#!/bin/sh", 0755),
                        "release 1.3 has no lib/opsagent.jar (a regular file); it is not an opsagent release"),
                Arguments.of("launcher not executable", Tarball.empty().file("bin/opsagent", "#!/bin/sh", 0644)
                                .file("lib/opsagent.jar", "PK", 0644),
                        "bin/opsagent of release 1.3 is not executable (mode 0644)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileArchives")
    void hostileArchiveIsRejectedAndLeavesNothingBehind(String name, Tarball archive, String reason) throws IOException {
        Path tgz = archive.writeTo(root.resolve("opsagent.tgz"));

        assertThatThrownBy(() -> new SafeUnpacker().unpack(tgz, "1.3", releases))
                .isInstanceOf(UpgradeException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((UpgradeException) e).kind()).isEqualTo(UpgradeException.Kind.REJECTED));

        assertNothingLeftBehind();
    }

    @Test
    void archiveWithTooManyEntriesIsRejected() throws IOException {
        Tarball archive = Tarball.release();
        for (int i = 0; i < 20; i++) {
            archive.file("data/f" + i, "x", 0644);
        }
        Path tgz = archive.writeTo(root.resolve("opsagent.tgz"));

        assertThatThrownBy(() -> new SafeUnpacker(1 << 20, 10).unpack(tgz, "1.3", releases))
                .hasMessage("release archive of 1.3 has more than 10 entries");
        assertNothingLeftBehind();
    }

    @Test
    void archiveExpandingBeyondTheLimitIsRejectedBeforeItIsWritten() throws IOException {
        // 3 MiB of zeros compress to a few KiB: the limit is on what the archive expands to.
        Path tgz = Tarball.release().file("data/zeros", new byte[3 << 20], 0644).writeTo(root.resolve("opsagent.tgz"));
        assertThat(Files.size(tgz)).isLessThan(64 * 1024);

        assertThatThrownBy(() -> new SafeUnpacker(1 << 20, 100).unpack(tgz, "1.3", releases))
                .hasMessageStartingWith("release archive of 1.3 expands beyond the limit of 1 MiB");
        assertNothingLeftBehind();
    }

    @Test
    void truncatedArchiveIsRejected() throws IOException {
        byte[] whole = Tarball.release().file("data/blob", randomBytes(200_000), 0644).bytes();
        Path tgz = root.resolve("opsagent.tgz");
        Files.write(tgz, Arrays.copyOf(whole, whole.length / 2));

        assertThatThrownBy(() -> new SafeUnpacker().unpack(tgz, "1.3", releases))
                .isInstanceOf(UpgradeException.class)
                .hasMessageStartingWith("release archive of 1.3 is truncated");
        assertNothingLeftBehind();
    }

    @Test
    void fileThatIsNotGzipIsRejected() throws IOException {
        Path tgz = root.resolve("opsagent.tgz");
        Files.writeString(tgz, "<html>Access Denied</html>");

        assertThatThrownBy(() -> new SafeUnpacker().unpack(tgz, "1.3", releases))
                .hasMessageStartingWith("release archive of 1.3 is not gzip-compressed");
        assertNothingLeftBehind();
    }

    @Test
    void versionThatIsNotADirectoryNameIsRefused() throws IOException {
        Path tgz = Tarball.release().writeTo(root.resolve("opsagent.tgz"));

        assertThatThrownBy(() -> new SafeUnpacker().unpack(tgz, "../../etc", releases))
                .hasMessageStartingWith("version '../../etc' is not a release name");
        assertNothingLeftBehind();
    }

    @Test
    void leftoversOfAnInterruptedUpgradeAreRemoved() throws IOException {
        Files.createDirectories(releases.resolve(".unpack-1.3-123/bin"));
        Files.createDirectories(releases.resolve(".download-456"));
        Files.createSymbolicLink(releases.resolve(".unpack-1.3-123/bin/etc"), outside);

        SafeUnpacker.removeLeftovers(releases);

        assertThat(listing()).containsExactly("1.2");
        assertThat(outside).isDirectory();
    }

    private void assertNothingLeftBehind() throws IOException {
        assertThat(listing()).as("releases/ holds only the running release").containsExactly("1.2");
        assertThat(Files.readString(releases.resolve("1.2/bin/opsagent"))).isEqualTo("the running release");
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s.toList()).as("nothing written outside").isEmpty();
        }
        assertThat(root.resolve("opt/visualops/evil")).doesNotExist();
        assertThat(root.resolve("opt/evil")).doesNotExist();
        assertThat(root.resolve("evil")).doesNotExist();
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(releases)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.util.Random(7).nextBytes(b);
        return b;
    }
}
