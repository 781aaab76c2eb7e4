package io.opsagent.fsm.internal.exec.salt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A Salt configuration directory of the agent's own, passed as {@code --config-dir}, so an
 * existing minion setup on the host is neither used nor disturbed.
 *
 * <p>When the directory has no {@code minion} file, one is written with
 * {@code file_client: local} and {@code root_dir: <dir>/root}, so Salt's cache, pki and log
 * files live below the directory. Salt keeps a copy of the last SLS file in its cache; with the
 * generated configuration that copy is deleted after every call ({@link #forgetCachedSls()}),
 * since states can carry secrets. A {@code minion} file written by someone else is used as it is.
 */
public final class SaltConfigDir {

    private static final Logger LOG = LogManager.getLogger(SaltConfigDir.class);

    private final Path dir;

    public SaltConfigDir(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    public Path path() {
        return dir;
    }

    /** The {@code root_dir} of the generated configuration. */
    public Path rootDir() {
        return dir.resolve("root");
    }

    /** Writes the {@code minion} file if there is none. */
    public void ensure() throws IOException {
        Path minion = dir.resolve("minion");
        if (Files.exists(minion)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String text = "# Written by opsagent: Salt settings for the agent's own salt-call runs.\n"
                + "file_client: local\n"
                + "root_dir: " + rootDir() + "\n";
        try {
            Files.writeString(minion, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // written concurrently: fine
        }
    }

    /** Deletes Salt's cached copy of the last SLS file, if the generated configuration is in use. */
    public void forgetCachedSls() {
        Path cached = rootDir().resolve("var/cache/salt/minion/files/base/" + SaltWorkspace.SLS_NAME + ".sls");
        try {
            Files.deleteIfExists(cached);
        } catch (IOException e) {
            LOG.warn("could not delete Salt's cached copy of the state file {}: {}", cached, e.toString());
        }
    }
}
