package io.opsagent.fsm.testutil;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Real upstream Salt for tests: the {@code salt-call} named by {@value #ENV}, else
 * {@code ../shared/salt/salt-call} beside the project's root. Tests that need it call
 * {@link #require()}, which skips them with the reason where neither exists (a clone without
 * {@code ../shared}); where it exists they run, and a broken Salt fails them.
 */
public final class RealSalt {

    /** The environment variable that names a {@code salt-call} to test against. */
    public static final String ENV = "OPSAGENT_TEST_SALT_CALL";

    private RealSalt() {
    }

    /** The {@code salt-call} to test against, if there is one. */
    public static Optional<Path> saltCall() {
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path path = Path.of(fromEnv).toAbsolutePath();
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("opsagent-fsm"))) {
                Path shared = dir.resolveSibling("shared").resolve("salt").resolve("salt-call");
                return Files.isExecutable(shared) ? Optional.of(shared) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The {@code salt-call} to test against; skips the calling test where there is none. */
    public static Path require() {
        Optional<Path> saltCall = saltCall();
        assumeTrue(saltCall.isPresent(), "real Salt is absent: set " + ENV
                + " to a salt-call, or place upstream Salt at ../shared/salt/salt-call beside the project");
        return saltCall.get();
    }
}
