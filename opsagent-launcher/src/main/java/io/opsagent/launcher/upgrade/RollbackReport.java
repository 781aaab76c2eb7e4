package io.opsagent.launcher.upgrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A rollback the backend has not heard of yet. The release that rolls back writes it
 * ({@code rollback-report} beside {@code upgrade.json}) and exits; the release rolled back to
 * takes it at its start and reports it as the failed {@code agent-upgrade:<version>} StateLog,
 * which the outbox sends after that release's Handshake.
 *
 * @param version the release that was rolled back
 * @param reason why, as the rollback logged it
 */
public record RollbackReport(String version, String reason) {

    private static final Logger LOG = LogManager.getLogger(RollbackReport.class);
    private static final String FILE = "rollback-report";

    /** Where the report is kept, given the upgrade state file. */
    static Path fileBeside(Path stateFile) {
        return stateFile.resolveSibling(FILE);
    }

    /** Writes this report beside {@code stateFile}, replacing one not taken yet. */
    void write(Path stateFile) {
        Path file = fileBeside(stateFile);
        Path temp = file.resolveSibling("." + FILE + ".tmp");
        try {
            Files.writeString(temp, version + "\n" + reason.replace('\n', ' ') + "\n", StandardCharsets.UTF_8);
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.error("cannot keep the rollback of {} for the backend in {}: {}", version, file, e.getMessage());
        }
    }

    /** Takes (reads and removes) the report kept beside {@code stateFile}, if there is one. */
    public static Optional<RollbackReport> take(Path stateFile) {
        Path file = fileBeside(stateFile);
        try {
            String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n", 3);
            Files.deleteIfExists(file);
            if (lines.length < 2 || lines[0].isBlank()) {
                LOG.warn("{} is damaged; removed", file);
                return Optional.empty();
            }
            return Optional.of(new RollbackReport(lines[0], lines[1]));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.error("cannot read {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }
}
