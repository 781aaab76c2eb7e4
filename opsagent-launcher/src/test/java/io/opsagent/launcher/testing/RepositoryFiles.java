package io.opsagent.launcher.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository outside this module (docs/, config/), found from the working directory. */
public final class RepositoryFiles {

    private RepositoryFiles() {}

    /** The repository's root: the nearest directory upwards that holds {@code config/opsagent.conf}. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("config/opsagent.conf")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root above " + Path.of("").toAbsolutePath());
    }

    public static Path resolve(String relative) {
        return root().resolve(relative);
    }

    /** This module's directory (opsagent-launcher). */
    public static Path module() {
        return root().resolve("opsagent-launcher");
    }
}
