package io.opsagent.fsm.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsagent.fsm.spi.StateResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import org.junit.jupiter.api.Test;

/** {@code linux.symlink} through real Salt, and the same end state as the built-in executor. */
class SaltSymlinkIT extends RealSaltBase {

    @Test
    void firstRunLinksSecondRunIsUnchangedDryRunOnlyReportsAndAMissingParentFails() throws Exception {
        Path link = tmp.resolve("current");

        StateResult first = salt("linux.symlink", params("source", "releases/1", "target", link));
        StateResult second = salt("linux.symlink", params("source", "releases/1", "target", link));
        StateResult dry = saltDryRun("linux.symlink", params("source", "releases/2", "target", link));
        StateResult noParent = salt("linux.symlink", params("source", "x", "target", tmp.resolve("none/link")));

        assertChanged(first);
        assertUnchanged(second);
        assertChanged(dry);
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("releases/1"));
        assertFailed(noParent);
    }

    @Test
    void withoutUserOrGroupAnExistingLinkKeepsItsOwnerAsWithTheBuiltinExecutor() throws Exception {
        Path viaSalt = Files.createDirectory(tmp.resolve("salt"));
        Path viaBuiltin = Files.createDirectory(tmp.resolve("builtin"));
        for (Path root : new Path[] {viaSalt, viaBuiltin}) {
            Path link = Files.createSymbolicLink(root.resolve("current"), Path.of("releases/1"));
            UserPrincipalLookupService users = link.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setOwner(users.lookupPrincipalByName("nobody"));
            GroupPrincipal nogroup = users.lookupPrincipalByGroupName("nogroup");
            view.setGroup(nogroup);
        }

        StateResult r = salt("linux.symlink", params("source", "releases/1", "target", viaSalt.resolve("current")));
        StateResult b = builtin("linux.symlink", params("source", "releases/1", "target", viaBuiltin.resolve("current")));

        assertUnchanged(r);
        assertUnchanged(b);
        assertThat(owner(viaSalt.resolve("current"))).isEqualTo("nobody:nogroup");
        assertThat(describe(viaSalt)).isEqualTo(describe(viaBuiltin));
    }

    @Test
    void ownerGroupRetargetAndAbsentLeaveTheSameEndStateAsTheBuiltinExecutor() throws Exception {
        Path viaSalt = Files.createDirectory(tmp.resolve("salt"));
        Path viaBuiltin = Files.createDirectory(tmp.resolve("builtin"));
        for (Path root : new Path[] {viaSalt, viaBuiltin}) {
            Files.createSymbolicLink(root.resolve("old"), Path.of("elsewhere"));
            Files.createSymbolicLink(root.resolve("gone"), Path.of("x"));
        }

        StateResult owned = salt("linux.symlink", params("source", "a", "target", viaSalt.resolve("owned"),
                "user", "nobody", "group", "nogroup"));
        StateResult retarget = salt("linux.symlink", params("source", "new", "target", viaSalt.resolve("old")));
        StateResult absent = salt("linux.symlink", params("source", "x", "target", viaSalt.resolve("gone"), "absent", true));
        builtin("linux.symlink", params("source", "a", "target", viaBuiltin.resolve("owned"), "user", "nobody", "group", "nogroup"));
        builtin("linux.symlink", params("source", "new", "target", viaBuiltin.resolve("old")));
        builtin("linux.symlink", params("source", "x", "target", viaBuiltin.resolve("gone"), "absent", true));

        assertChanged(owned);
        assertChanged(retarget);
        assertChanged(absent);
        assertThat(describe(viaSalt)).isEqualTo(describe(viaBuiltin));
    }
}
