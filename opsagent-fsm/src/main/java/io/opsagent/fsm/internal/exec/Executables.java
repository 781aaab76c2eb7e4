package io.opsagent.fsm.internal.exec;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/** Finds programs the way a shell does: in the directories of {@code PATH}. */
public final class Executables {

    private Executables() {
    }

    /** The first executable regular file called {@code name} in the directories of {@code $PATH}. */
    public static Optional<Path> findOnPath(String name) {
        return findOnPath(name, System.getenv("PATH"));
    }

    /** The first executable regular file called {@code name} in the directories of {@code pathVariable}. */
    public static Optional<Path> findOnPath(String name, String pathVariable) {
        if (pathVariable == null || pathVariable.isEmpty()) {
            return Optional.empty();
        }
        for (String dir : pathVariable.split(Pattern.quote(java.io.File.pathSeparator))) {
            if (dir.isEmpty()) {
                continue;
            }
            try {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            } catch (InvalidPathException e) {
                // a malformed PATH entry cannot hold the program
            }
        }
        return Optional.empty();
    }
}
