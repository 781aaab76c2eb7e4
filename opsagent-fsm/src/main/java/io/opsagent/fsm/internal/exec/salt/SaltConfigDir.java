package io.opsagent.fsm.internal.exec.salt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A Salt configuration directory of the agent's own, passed as {@code --config-dir}, so an
 * existing minion setup on the host is neither used nor disturbed.
 *
 * <p>When the directory has no {@code minion} file, one is written with
 * {@code file_client: local} and {@code root_dir: <dir>/root}, so Salt's cache, pki and log
 * files live below the directory. Salt keeps copies of the last state run in its cache; with the
 * generated configuration they are deleted after every run ({@link #forgetRunFiles()}), since
 * states can carry secrets. A {@code minion} file written by someone else is used as it is.
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

    /**
     * Deletes what a state run leaves in Salt's cache, if the generated configuration is in use:
     * the cached copy of the state file, the compiled high data ({@code sls.p},
     * {@code highstate.cache.p}: they hold every parameter of the state, passwords included),
     * the file list and hash caches of the file root, and the accumulator files.
     */
    public void forgetRunFiles() {
        Path cache = cacheDir();
        List<Path> files = new ArrayList<>(List.of(
                cache.resolve("files/base/" + SaltWorkspace.SLS_NAME + ".sls"),
                cache.resolve("sls.p"),
                cache.resolve("highstate.cache.p"),
                cache.resolve("file_lists/roots/base.p")));
        files.addAll(children(cache.resolve("roots/hash/base")));
        files.addAll(children(cache.resolve("accumulator")));
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("could not delete Salt's cached run file {}: {}", file, e.toString());
            }
        }
    }

    /** Salt's cache directory under the generated configuration. */
    public Path cacheDir() {
        return rootDir().resolve("var/cache/salt/minion");
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
