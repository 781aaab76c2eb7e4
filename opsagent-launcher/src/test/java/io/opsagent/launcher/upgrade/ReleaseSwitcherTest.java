package io.opsagent.launcher.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseSwitcherTest {

    @TempDir
    Path root;

    Path install;
    ReleaseSwitcher switcher;

    @BeforeEach
    void twoReleasesUnpacked() throws IOException {
        install = root.resolve("opt/visualops");
        for (String v : new String[] {"1.2", "1.3", "1.4"}) {
            Files.createDirectories(install.resolve("releases").resolve(v).resolve("bin"));
        }
        Files.createSymbolicLink(install.resolve("current"), Paths.get("releases/1.2"));
        switcher = new ReleaseSwitcher(install);
    }

    @Test
    void switchPointsCurrentAtTheNewReleaseAndPreviousAtTheOldOne() throws IOException {
        switcher.switchTo("1.3");

        assertThat(Files.readSymbolicLink(install.resolve("current"))).isEqualTo(Paths.get("releases/1.3"));
        assertThat(Files.readSymbolicLink(install.resolve("previous"))).isEqualTo(Paths.get("releases/1.2"));
        assertThat(switcher.currentVersion()).contains("1.3");
        assertThat(switcher.previousVersion()).contains("1.2");
        assertThat(install.resolve("current/bin")).isDirectory();
        assertThat(hiddenEntries()).as("no temporary links left").isEmpty();
    }

    @Test
    void rollBackRestoresThePreviousReleaseAndForgetsIt() {
        switcher.switchTo("1.3");

        assertThat(switcher.rollBack()).isEqualTo("1.2");

        assertThat(switcher.currentVersion()).contains("1.2");
        assertThat(switcher.previousVersion()).isEmpty();
        assertThatThrownBy(switcher::rollBack).hasMessageStartingWith("there is no previous release to roll back to");
        assertThat(switcher.currentVersion()).contains("1.2");
    }

    @Test
    void switchToTheCurrentReleaseChangesNothing() {
        switcher.switchTo("1.3");
        switcher.switchTo("1.3");

        assertThat(switcher.previousVersion()).as("previous is not overwritten with current").contains("1.2");
    }

    @Test
    void switchToAReleaseThatIsNotUnpackedIsRefusedAndChangesNothing() {
        assertThatThrownBy(() -> switcher.switchTo("9.9")).hasMessageStartingWith("release 9.9 is not unpacked in ");

        assertThat(switcher.currentVersion()).contains("1.2");
        assertThat(install.resolve("previous")).doesNotExist();
    }

    @Test
    void currentThatIsARealDirectoryIsNeverReplaced() throws IOException {
        Files.delete(install.resolve("current"));
        Files.createDirectories(install.resolve("current"));

        assertThatThrownBy(() -> switcher.switchTo("1.3"))
                .hasMessageEndingWith("current is not a symbolic link; refusing to switch releases");
        assertThat(install.resolve("current")).isDirectory();
    }

    @Test
    void currentPointingOutsideReleasesIsNotFollowed() throws IOException {
        Files.delete(install.resolve("current"));
        Files.createSymbolicLink(install.resolve("current"), Paths.get("/usr/local/opsagent"));

        assertThatThrownBy(switcher::currentVersion).hasMessageContaining("points to /usr/local/opsagent, not to a release in");
    }

    @Test
    void absoluteLinksWrittenByAnInstallerAreUnderstood() throws IOException {
        Files.delete(install.resolve("current"));
        Files.createSymbolicLink(install.resolve("current"), install.resolve("releases/1.2"));

        assertThat(switcher.currentVersion()).contains("1.2");
    }

    @Test
    void noCurrentLinkMeansNoVersionAndTheFirstSwitchHasNoPrevious() throws IOException {
        Files.delete(install.resolve("current"));
        assertThat(switcher.currentVersion()).isEmpty();

        switcher.switchTo("1.3");

        assertThat(switcher.currentVersion()).contains("1.3");
        assertThat(switcher.previousVersion()).isEmpty();
    }

    @Test
    void pruneKeepsCurrentAndPreviousOnly() throws IOException {
        switcher.switchTo("1.3");
        Files.createDirectories(install.resolve("releases/.unpack-1.5-42"));

        assertThat(switcher.prune()).containsExactly("1.4");

        assertThat(switcher.installedVersions()).containsExactlyInAnyOrder("1.2", "1.3");
        assertThat(install.resolve("releases/.unpack-1.5-42")).doesNotExist();
    }

    @Test
    void releaseOfAFileIsTheReleaseDirectoryItIsIn() throws IOException {
        assertThat(switcher.releaseOf(install.resolve("releases/1.3/lib/opsagent.jar"))).contains("1.3");
        assertThat(switcher.releaseOf(install.resolve("current/bin"))).as("through the current link").contains("1.2");
        assertThat(switcher.releaseOf(root.resolve("build/opsagent.jar"))).isEmpty();
        assertThat(switcher.releaseOf(install.resolve("releases"))).isEmpty();
    }

    private Stream<Path> hiddenEntries() throws IOException {
        return Files.list(install).filter(p -> p.getFileName().toString().startsWith(".")).toList().stream();
    }
}
