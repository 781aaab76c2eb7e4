package io.opsagent.fsm.internal.store;

import io.opsagent.fsm.protocol.ProtocolCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps the loaded recipe and the round's position in one file ({@code round.json}), replaced
 * atomically on every change that matters.
 *
 * <p>Saving is asynchronous and coalescing: the event loop hands over the newest snapshot and
 * goes on; {@link #SETTLE} later the store thread writes the newest one it has (temp file, fsync,
 * rename). The pause keeps the write (about 2 ms of CPU when it has not run for a while) from
 * competing for the CPUs with the StateLog and the next message the change is part of, and folds
 * a burst of changes into one write. A kill -9 can therefore lose at most the last ~100 ms of
 * progress, as a power loss can lose the outbox journal's, which only means a state is applied
 * once more — states are idempotent.
 *
 * <p>{@link RoundFile} is the format, written and read as streams. A file that fails the checksum,
 * the strict parse or the codec's limits is moved aside with a log line that says where, and the
 * agent starts clean: never a crash loop.
 */
public final class RoundStore {

    private static final Logger LOG = LogManager.getLogger(RoundStore.class);
    /** How long after a change its save is written. */
    static final Duration SETTLE = Duration.ofMillis(100);

    private final Path file;
    private final RoundFile format;
    private final Object lock = new Object();
    private PersistedRound latest;
    private boolean dirty;
    private boolean writing;
    private Future<?> scheduled = CompletableFuture.completedFuture(null);

    public RoundStore(Path directory) {
        this(directory, new ProtocolCodec());
    }

    /** A store whose recipe is read back with {@code codec}'s limits, those of the frames it came in. */
    public RoundStore(Path directory, ProtocolCodec codec) {
        this.file = directory.resolve("round.json");
        this.format = new RoundFile(codec);
    }

    public Path file() {
        return file;
    }

    /** The persisted round, or empty when there is none or it was damaged (then moved aside). */
    public Optional<PersistedRound> load() {
        try {
            return Optional.of(format.read(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.error("cannot read {}: {}; starting without a recipe", file, e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            try {
                Path aside = AtomicFiles.moveAside(file, System.currentTimeMillis());
                LOG.error("{} is damaged ({}); moved it to {} and starting without a recipe", file, e.getMessage(),
                        aside);
            } catch (IOException io) {
                LOG.error("{} is damaged ({}) and cannot be moved aside: {}", file, e.getMessage(), io.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Saves {@code round} soon (null: forget it), replacing any save not written yet. Any thread. */
    public void save(PersistedRound round) {
        synchronized (lock) {
            latest = round;
            dirty = true;
            if (!writing) {
                writing = true;
                scheduled = StoreThread.get().schedule(this::writeLatest, SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Waits until every save handed over so far is on disk. */
    public void flush() {
        while (true) {
            Future<?> pending;
            synchronized (lock) {
                if (!writing) {
                    return;
                }
                pending = scheduled;
            }
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                LOG.error("saving {} failed", file, e.getCause());
                return;
            }
        }
    }

    private void writeLatest() {
        while (true) {
            PersistedRound round;
            synchronized (lock) {
                if (!dirty) {
                    writing = false;
                    return;
                }
                round = latest;
                dirty = false;
            }
            try {
                if (round == null) {
                    Files.deleteIfExists(file);
                } else {
                    AtomicFiles.write(file, out -> format.write(round, out));
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot save the round to {}: {}", file, e.getMessage());
            }
        }
    }

    /** The file's content for {@code round}, as it would be written. */
    String encode(PersistedRound round) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            format.write(round, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
