package io.opsagent.fsm.internal.exec.salt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The private file root of one salt-call: a fresh directory (mode 0700) holding only
 * {@code vops.sls} (mode 0600, created with that mode before any content is written), removed
 * with everything in it on {@link #close()}.
 */
public final class SaltWorkspace implements AutoCloseable {

    /** The SLS name passed to {@code state.sls}. */
    public static final String SLS_NAME = "vops";

    private static final Logger LOG = LogManager.getLogger(SaltWorkspace.class);

    private final Path dir;

    private SaltWorkspace(Path dir) {
        this.dir = dir;
    }

    /** Creates the directory under {@code parent} (created if missing) and writes {@code slsText} into it. */
    public static SaltWorkspace create(Path parent, String slsText) throws IOException {
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "opsagent-salt-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return fill(new SaltWorkspace(dir), slsText);
    }

    /**
     * Creates the directory {@code dir} itself (a fixed file root, as the resident Salt worker
     * has; whatever an earlier run left there is removed first) and writes {@code slsText} into it.
     */
    public static SaltWorkspace createAt(Path dir, String slsText) throws IOException {
        deleteTree(dir);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return fill(new SaltWorkspace(dir), slsText);
    }

    private static SaltWorkspace fill(SaltWorkspace ws, String slsText) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(ws.slsFile(),
                java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bytes = ByteBuffer.wrap(slsText.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
        return ws;
    }

    /** The directory passed as {@code --file-root}. */
    public Path fileRoot() {
        return dir;
    }

    public Path slsFile() {
        return dir.resolve(SLS_NAME + ".sls");
    }

    /** Removes the directory and everything in it; a failure is logged, not thrown. */
    @Override
    public void close() {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not remove the Salt file root {}: {}", dir, e.toString());
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
