package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The private file root of one Salt run: a fresh directory (mode 0700) holding
 * {@code vops.sls} and the files its states' arguments name ({@link SaltState#files()}), each
 * mode 0600 and created with that mode before any content is written; removed with everything
 * in it on {@link #close()}.
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
        SaltWorkspace ws = createEmpty(parent);
        try {
            writePrivate(ws.slsFile(), slsText);
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
        return ws;
    }

    /**
     * Creates the directory under {@code parent} (created if missing) with the files of
     * {@code states} (downloads included) and the SLS file that runs them ({@link SlsWriter#render}).
     *
     * @throws IOException also when a download fails; the message names the address
     */
    public static SaltWorkspace create(Path parent, List<SaltState> states) throws IOException {
        return populate(createEmpty(parent), states);
    }

    /**
     * Like {@link #create(Path, List)}, but in the directory {@code dir} itself: a fixed file root,
     * as the resident Salt worker has. Whatever an earlier run left there is removed first.
     */
    public static SaltWorkspace createAt(Path dir, List<SaltState> states) throws IOException {
        FileTrees.delete(dir);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return populate(new SaltWorkspace(dir), states);
    }

    private static SaltWorkspace populate(SaltWorkspace ws, List<SaltState> states) throws IOException {
        try {
            String sls = SlsWriter.render(states, ws.fileRoot());
            for (SaltState state : states) {
                for (Map.Entry<String, WorkspaceFile> file : state.files().entrySet()) {
                    Path target = ws.fileRoot().resolve(state.fileName(file.getKey()));
                    WorkspaceFile f = file.getValue();
                    writePrivate(target, f.content() != null ? f.content() : "");
                    if (f.download() != null) {
                        RemoteSource.download(f.download(), target);
                    }
                }
            }
            writePrivate(ws.slsFile(), sls);
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
        return ws;
    }

    private static SaltWorkspace createEmpty(Path parent) throws IOException {
        Files.createDirectories(parent);
        return new SaltWorkspace(Files.createTempDirectory(parent.toAbsolutePath(), "opsagent-salt-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
    }

    private static void writePrivate(Path file, String text) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file,
                java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
        }
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
            FileTrees.delete(dir);
        } catch (IOException e) {
            LOG.warn("could not remove the Salt file root {}: {}", dir, e.toString());
        }
    }

}
