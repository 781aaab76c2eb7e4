package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.internal.exec.Execution;
import io.opsagent.fsm.internal.exec.Params;
import io.opsagent.fsm.spi.StateResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code linux.symlink}: a symbolic link at {@code target} pointing to {@code source} (note
 * the names: {@code target} is the link), owned by {@code user}/{@code group} when given. A
 * link pointing elsewhere is replaced atomically (a new link renamed over the old one); any
 * other file in the way is an error, as is a missing parent directory. {@code absent: true}
 * removes what is at {@code target}.
 */
final class SymlinkModule implements BuiltinModule {

    @Override
    public StateResult apply(Params p, boolean dryRun, Execution execution) throws IOException {
        Path link = Path.of(p.requiredAbsolutePath("target"));
        if (p.bool("absent", false)) {
            return Removal.result(link, dryRun);
        }
        String source = p.requiredString("source");
        Optional<UserPrincipal> user = Ownership.user(p, "user");
        Optional<GroupPrincipal> group = Ownership.group(p, "group");
        Path parent = link.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            if (dryRun && parent != null && !Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
                // As Salt's test=True: an earlier state of the same run may make the directory.
                return StateResult.changed("Symlink " + link + " is set to be created, pointing to " + source
                        + "\nChanges: new symlink (its directory " + parent
                        + " does not exist yet; an earlier state must create it)", null);
            }
            return StateResult.failed("Directory " + parent + " for symlink is not present", null);
        }
        boolean isLink = Files.isSymbolicLink(link);
        if (!isLink && Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            return StateResult.failed("File exists where the symlink " + link + " should be", null);
        }
        Changes changes = new Changes();
        String sentence;
        boolean pointsRight = isLink && Files.readSymbolicLink(link).toString().equals(source);
        if (!isLink) {
            changes.add("new symlink");
            sentence = dryRun ? "Symlink " + link + " is set to be created, pointing to " + source
                    : "Created new symlink " + link + " -> " + source;
        } else if (!pointsRight) {
            changes.add("target " + Files.readSymbolicLink(link) + " -> " + source);
            sentence = dryRun ? "Symlink " + link + " is set to be changed to point to " + source
                    : "Set symlink " + link + " to " + source;
        } else {
            PosixFileAttributes attrs = Ownership.attributes(link, LinkOption.NOFOLLOW_LINKS);
            if (user.isPresent() && !user.get().equals(attrs.owner())) {
                changes.add("owner " + attrs.owner().getName() + " -> " + user.get().getName());
            }
            if (group.isPresent() && !group.get().equals(attrs.group())) {
                changes.add("group " + attrs.group().getName() + " -> " + group.get().getName());
            }
            sentence = dryRun ? "Symlink " + link + " is set to be changed" : "Symlink " + link + " updated";
        }
        if (changes.isEmpty()) {
            return StateResult.unchanged("Symlink " + link + " -> " + source + " is in the correct state");
        }
        if (dryRun) {
            return StateResult.changed(changes.comment(sentence), null);
        }
        if (execution.isStopped()) {
            return StateResult.failed(execution.stopReason().orElseThrow(), null);
        }
        if (!pointsRight) {
            Path temp = parent.resolve("." + link.getFileName() + "." + UUID.randomUUID() + ".opsagent");
            Files.createSymbolicLink(temp, Path.of(source));
            try {
                Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        PosixFileAttributes attrs = Ownership.attributes(link, LinkOption.NOFOLLOW_LINKS);
        if (user.isPresent() && !user.get().equals(attrs.owner())) {
            Ownership.setOwner(link, user.get(), LinkOption.NOFOLLOW_LINKS);
        }
        if (group.isPresent() && !group.get().equals(attrs.group())) {
            Ownership.setGroup(link, group.get(), LinkOption.NOFOLLOW_LINKS);
        }
        return StateResult.changed(changes.comment(sentence), null);
    }
}
