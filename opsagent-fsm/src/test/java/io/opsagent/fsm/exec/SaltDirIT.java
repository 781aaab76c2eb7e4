package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code linux.dir} through real Salt, and the same end state as the built-in executor. The
 * owner used is {@code nobody:nogroup}, which every Debian host has; only files below the
 * test's temporary directory are touched.
 */
class SaltDirIT extends RealSaltBase {

    private static final String USER = "nobody";
    private static final String GROUP = "nogroup";

    @Test
    void firstRunCreatesSecondRunIsUnchangedDryRunOnlyReportsAndFailuresAreReadable() throws Exception {
        Path a = tmp.resolve("a");
        Path nested = tmp.resolve("b/c");
        Path file = Files.writeString(tmp.resolve("plain"), "x");

        StateResult first = salt("linux.dir", params("path", List.of(a, nested), "mode", "0750"));
        StateResult second = salt("linux.dir", params("path", List.of(a, nested), "mode", "0750"));
        StateResult dry = saltDryRun("linux.dir", params("path", List.of(a), "mode", "0700"));
        StateResult inTheWay = salt("linux.dir", params("path", List.of(file)));
        StateResult raised = salt("linux.dir", params("path", List.of(file.resolve("sub")), "user", USER));

        assertChanged(first);
        assertUnchanged(second);
        assertChanged(dry);
        assertThat(mode(a)).isEqualTo("750");
        assertThat(mode(nested)).isEqualTo("750");
        assertFailed(inTheWay);
        assertThat(inTheWay.comment()).contains(file.toString());
        assertFailed(raised);
        assertThat(raised.comment()).doesNotContain("Traceback");
        assertThat(raised.comment().lines().findFirst()).hasValue("An exception occurred in this state: NotADirectoryError: "
                + "[Errno 20] Not a directory: '" + file.resolve("sub") + "'");
    }

    @Test
    void ownershipRecursesWithoutFollowingLinksSettlesInOneRunAndMatchesTheBuiltinExecutor() throws Exception {
        Path viaSalt = tree(tmp.resolve("salt"));
        Path viaBuiltin = tree(tmp.resolve("builtin"));

        StateResult dry = saltDryRun("linux.dir", params("path", List.of(viaSalt.resolve("dir")), "user", USER, "group", GROUP));
        String afterDryRun = owner(viaSalt.resolve("dir/sub/g"));
        StateResult first = salt("linux.dir", params("path", List.of(viaSalt.resolve("dir")), "user", USER, "group", GROUP));
        StateResult second = salt("linux.dir", params("path", List.of(viaSalt.resolve("dir")), "user", USER, "group", GROUP));
        builtin("linux.dir", params("path", List.of(viaBuiltin.resolve("dir")), "user", USER, "group", GROUP));

        assertChanged(dry);
        assertThat(afterDryRun).isEqualTo("root:root");
        assertChanged(first);
        assertUnchanged(second);
        assertThat(mode(viaSalt.resolve("outside"))).isEqualTo("600");
        assertThat(owner(viaSalt.resolve("outside"))).isEqualTo("root:root");
        assertThat(owner(viaSalt.resolve("dir/link"))).isEqualTo(USER + ":" + GROUP);
        assertThat(owner(viaSalt.resolve("dir/sub/g"))).isEqualTo(USER + ":" + GROUP);
        assertThat(mode(viaSalt.resolve("dir/sub/g"))).isEqualTo("640");
        assertThat(describe(viaSalt)).isEqualTo(describe(viaBuiltin));
    }

    @Test
    void theListedDirectorysOwnModeIsCorrectedWhileChildrenKeepTheirs() throws Exception {
        Path viaSalt = tree(tmp.resolve("salt"));
        Path viaBuiltin = tree(tmp.resolve("builtin"));
        for (Path root : List.of(viaSalt, viaBuiltin)) {
            Files.setAttribute(root.resolve("dir"), "unix:mode", 0777);
        }

        StateResult dry = saltDryRun("linux.dir", params("path", List.of(viaSalt.resolve("dir")), "user", "root", "group", "root"));
        String afterDryRun = mode(viaSalt.resolve("dir"));
        StateResult first = salt("linux.dir", params("path", List.of(viaSalt.resolve("dir")), "user", "root", "group", "root"));
        StateResult second = salt("linux.dir", params("path", List.of(viaSalt.resolve("dir")), "user", "root", "group", "root"));
        builtin("linux.dir", params("path", List.of(viaBuiltin.resolve("dir")), "user", "root", "group", "root"));

        assertChanged(dry);
        assertThat(afterDryRun).isEqualTo("777");
        assertChanged(first);
        assertThat(first.comment()).contains("mode 0755");
        assertUnchanged(second);
        assertThat(mode(viaSalt.resolve("dir"))).isEqualTo("755");
        assertThat(mode(viaSalt.resolve("dir/sub"))).isEqualTo("700");
        assertThat(mode(viaSalt.resolve("dir/sub/g"))).isEqualTo("640");
        assertThat(describe(viaSalt)).isEqualTo(describe(viaBuiltin));
    }

    @Test
    void absentRemovesTheDirectoryWithItsContentOnce() throws Exception {
        Path root = tree(tmp.resolve("salt"));

        StateResult dry = saltDryRun("linux.dir", params("path", List.of(root.resolve("dir")), "absent", true));
        boolean keptByDryRun = Files.exists(root.resolve("dir/sub/g"));
        StateResult first = salt("linux.dir", params("path", List.of(root.resolve("dir")), "absent", true));
        StateResult second = salt("linux.dir", params("path", List.of(root.resolve("dir")), "absent", true));

        assertChanged(dry);
        assertThat(keptByDryRun).isTrue();
        assertChanged(first);
        assertUnchanged(second);
        assertThat(root.resolve("dir")).doesNotExist();
        assertThat(root.resolve("outside")).exists();
    }

    /** {@code root/outside} (0600) and {@code root/dir/{f, sub/g, link -> ../outside}}, all root's. */
    private static Path tree(Path root) throws Exception {
        Files.createDirectories(root.resolve("dir/sub"));
        Files.setAttribute(root, "unix:mode", 0755);
        Files.setAttribute(root.resolve("dir"), "unix:mode", 0755);
        Files.setAttribute(root.resolve("dir/sub"), "unix:mode", 0700);
        Files.writeString(root.resolve("outside"), "secret\n");
        Files.setAttribute(root.resolve("outside"), "unix:mode", 0600);
        Files.writeString(root.resolve("dir/f"), "f\n");
        Files.setAttribute(root.resolve("dir/f"), "unix:mode", 0644);
        Files.writeString(root.resolve("dir/sub/g"), "g\n");
        Files.setAttribute(root.resolve("dir/sub/g"), "unix:mode", 0640);
        Files.createSymbolicLink(root.resolve("dir/link"), Path.of("../outside"));
        return root;
    }
}
