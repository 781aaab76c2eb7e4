package io.opsagent.launcher.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One agent per root: an exclusive lock ({@link FileChannel#tryLock()}) on
 * {@code /var/lib/visualops/opsagent.lock}, held for the life of the process. The file holds the
 * owner's pid for messages and scripts; the lock, not the pid, decides. The operating system
 * drops the lock when the process dies, so a crash leaves nothing stale to clean up.
 *
 * <p>POSIX record locks belong to the process and vanish when <em>any</em> descriptor of the
 * file is closed, so this class never opens a lock file that this JVM already holds: it keeps
 * the set of held files and answers from it.
 */
public final class InstanceLock implements AutoCloseable {

    static final int LOCK_FILE_MODE = 0600;

    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    /** What {@link #probe} found. */
    public enum State {
        /** An agent holds the lock. */
        HELD,
        /** No agent holds the lock. */
        FREE,
        /** The lock file could not be examined (see the detail). */
        UNKNOWN
    }

    /** The result of {@link #probe}: the state, the pid written in the file, and a detail for UNKNOWN. */
    public record Probe(State state, OptionalLong pid, String detail) {}

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock and writes this process's pid into the file.
     *
     * @throws HostException when another agent holds it (naming its pid) or the file cannot be used
     */
    public static InstanceLock acquire(Path lockFile) {
        Path key = lockFile.toAbsolutePath().normalize();
        if (!HELD_HERE.add(key)) {
            throw held(key, OptionalLong.of(ProcessHandle.current().pid()));
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(key,
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    FileModes.attribute(LOCK_FILE_MODE));
            FileLock lock = channel.tryLock();
            if (lock == null) {
                OptionalLong pid = readPid(channel);
                throw held(key, pid);
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
            channel.force(true);
            InstanceLock acquired = new InstanceLock(key, channel, lock);
            channel = null;
            return acquired;
        } catch (OverlappingFileLockException e) {
            throw held(key, OptionalLong.of(ProcessHandle.current().pid()));
        } catch (AccessDeniedException e) {
            throw new HostException("cannot open lock file " + key + ": permission denied (run as root, or pass "
                    + "--root DIR)", e);
        } catch (IOException e) {
            throw new HostException("cannot lock " + key + ": " + e, e);
        } finally {
            if (channel != null) {
                closeQuietly(channel);
                HELD_HERE.remove(key);
            }
        }
    }

    /** Whether an agent holds {@code lockFile}, without disturbing it (a shared lock is tried and dropped). */
    public static Probe probe(Path lockFile) {
        Path key = lockFile.toAbsolutePath().normalize();
        if (HELD_HERE.contains(key)) {
            return new Probe(State.HELD, OptionalLong.of(ProcessHandle.current().pid()), "");
        }
        try (FileChannel channel = FileChannel.open(key, StandardOpenOption.READ)) {
            FileLock shared = channel.tryLock(0, Long.MAX_VALUE, true);
            if (shared == null) {
                return new Probe(State.HELD, readPid(channel), "");
            }
            shared.release();
            return new Probe(State.FREE, readPid(channel), "");
        } catch (NoSuchFileException e) {
            return new Probe(State.FREE, OptionalLong.empty(), "");
        } catch (AccessDeniedException e) {
            return new Probe(State.UNKNOWN, OptionalLong.empty(), "cannot open " + key + ": permission denied");
        } catch (IOException | OverlappingFileLockException e) {
            return new Probe(State.UNKNOWN, OptionalLong.empty(), "cannot examine " + key + ": " + e);
        }
    }

    public Path file() {
        return key;
    }

    /** Releases the lock. The file stays: deleting it would let two agents lock two different files. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // Closing the channel below releases it as well.
        } finally {
            closeQuietly(channel);
            HELD_HERE.remove(key);
        }
    }

    private static HostException held(Path key, OptionalLong pid) {
        String owner = pid.isPresent() ? "pid " + pid.getAsLong() : "another process";
        return new HostException("another opsagent is already running: " + owner + " holds " + key
                + "; stop it first, or use another --root");
    }

    private static OptionalLong readPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        try {
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing useful to do: the descriptor is gone either way.
        }
    }
}
