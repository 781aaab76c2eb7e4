package io.opsagent.fsm.internal.exec.builtin;

import io.opsagent.fsm.spi.StateResult;
import io.opsagent.fsm.internal.exec.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The {@code absent: true} of {@code linux.file}, {@code linux.dir} and {@code linux.symlink},
 * like Salt's {@code file.absent}: whatever is at the path goes (a directory with everything in
 * it; a symbolic link itself, never what it points to).
 */
final class Removal {

    private Removal() {
    }

    /** The sentence for one path; {@code removed} tells whether something was (or would be) removed. */
    record Outcome(String comment, boolean removed) {
    }

    static Outcome remove(Path path, boolean dryRun) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return new Outcome("File " + path + " is not present", false);
        }
        boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
        boolean link = Files.isSymbolicLink(path);
        if (dryRun) {
            return new Outcome((directory ? "Directory " : link ? "Symlink " : "File ") + path + " is set for removal", true);
        }
        if (directory) {
            FileTrees.delete(path);
            return new Outcome("Removed directory " + path, true);
        }
        Files.delete(path);
        return new Outcome((link ? "Removed symlink " : "Removed file ") + path, true);
    }

    /** A result for one path. */
    static StateResult result(Path path, boolean dryRun) throws IOException {
        Outcome o = remove(path, dryRun);
        return o.removed() ? StateResult.changed(o.comment(), null) : StateResult.unchanged(o.comment());
    }
}
