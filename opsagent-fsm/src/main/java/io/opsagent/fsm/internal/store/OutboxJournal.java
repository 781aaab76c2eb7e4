package io.opsagent.fsm.internal.store;

import io.opsagent.fsm.protocol.AgentMessage;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.StateLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The StateLog outbox on disk ({@code outbox.journal}): append-only, one record a line, so a
 * kill -9 between a state finishing and its log being delivered loses nothing.
 *
 * <p>Records: {@code L <crc> <StateLog JSON with seq>} when a log is queued, {@code D <crc> <seq>}
 * when every log up to {@code seq} is done (acknowledged, or written to a backend that does not
 * acknowledge, or dropped from a full outbox), and {@code N <crc> <seq>} for the next sequence
 * number at the head of a compacted journal, and {@code K <crc> 1} once the backend has shown
 * that it acknowledges. Each record is one {@code write} call on the event
 * loop, which survives the process being killed; {@code fsync} runs on the store thread
 * {@value #SYNC_MILLIS} ms after the first unsynced record, which bounds what a power loss can
 * take. An idle journal schedules nothing, so an idle agent's store thread sleeps. A record whose checksum
 * or shape is wrong (a torn last line after a power loss) is skipped with a log line.
 *
 * <p>When most records are done, the journal is compacted: rewritten atomically with only the
 * logs still pending.
 */
public final class OutboxJournal implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(OutboxJournal.class);
    static final long SYNC_MILLIS = 100;
    private static final int COMPACT_AFTER = 1_000;

    private final Path file;
    private final ProtocolCodec codec = new ProtocolCodec();
    private volatile FileChannel channel;
    private int records;
    private boolean acknowledges;
    private volatile boolean unsynced;
    private final AtomicBoolean syncScheduled = new AtomicBoolean();
    private volatile ScheduledFuture<?> syncer;
    private volatile boolean closed;

    /** What a journal held when it was opened. */
    public record Replay(List<StateLog> pending, long nextSeq, boolean backendAcknowledges, int skippedRecords) { }

    private OutboxJournal(Path file) throws IOException {
        this.file = file;
        this.channel = openForAppend(file);
    }

    /** An opened journal and what it held. */
    public record Opened(OutboxJournal journal, Replay replay) { }

    /** Opens (or creates) the journal in {@code directory} and reads back what it holds. */
    public static Opened open(Path directory, long defaultFirstSeq) throws IOException {
        Path file = directory.resolve("outbox.journal");
        Replay replay = read(file, defaultFirstSeq);
        OutboxJournal journal = new OutboxJournal(file);
        journal.acknowledges = replay.backendAcknowledges();
        journal.compact(replay.pending(), replay.nextSeq());
        return new Opened(journal, replay);
    }

    static Replay read(Path file, long defaultFirstSeq) throws IOException {
        List<StateLog> logs = new ArrayList<>();
        long done = 0;
        long nextSeq = defaultFirstSeq;
        int skipped = 0;
        boolean acks = false;
        if (Files.exists(file)) {
            ProtocolCodec codec = new ProtocolCodec();
            String content = Files.readString(file, StandardCharsets.UTF_8);
            String[] lines = content.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                boolean last = i == lines.length - 1;
                if (line.isEmpty()) {
                    continue;
                }
                if (last) {
                    LOG.warn("{}: ignoring a torn last record ({} bytes without a line end)", file, line.length());
                    skipped++;
                    continue;
                }
                try {
                    char kind = line.charAt(0);
                    int space = line.indexOf(' ', 2);
                    String crc = line.substring(2, space);
                    String payload = line.substring(space + 1);
                    if (!crc.equals(crc(payload))) {
                        throw new IllegalStateException("checksum mismatch");
                    }
                    switch (kind) {
                        case 'L' -> {
                            AgentMessage m = codec.decodeAgentMessage(payload);
                            StateLog log = (StateLog) m;
                            if (log.seq() == null) {
                                throw new IllegalStateException("log without seq");
                            }
                            logs.add(log);
                            nextSeq = Math.max(nextSeq, log.seq() + 1);
                        }
                        case 'D' -> done = Math.max(done, Long.parseLong(payload));
                        case 'N' -> nextSeq = Math.max(nextSeq, Long.parseLong(payload));
                        case 'K' -> acks = true;
                        default -> throw new IllegalStateException("unknown record kind " + kind);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("{}: skipping damaged record {} ({})", file, i + 1, e.getMessage());
                    skipped++;
                }
            }
        }
        long floor = done;
        List<StateLog> pending = logs.stream().filter(l -> l.seq() > floor).distinct().toList();
        nextSeq = Math.max(nextSeq, done + 1);
        return new Replay(pending, nextSeq, acks, skipped);
    }

    /** A log joined the outbox. */
    public void appended(StateLog log) {
        append("L", codec.encode(log));
    }

    /** Every log up to {@code seq} is done. */
    public void done(long seq) {
        append("D", Long.toString(seq));
    }

    /** The backend acknowledges logs: after a restart, logs stay until acknowledged from the start. */
    public void backendAcknowledges() {
        acknowledges = true;
        append("K", "1");
    }

    /** Rewrites the journal with only {@code pending}, when enough of it is done. */
    public void compactIfWorthIt(Collection<StateLog> pending, long nextSeq) {
        if (records >= COMPACT_AFTER && records > 2 * pending.size()) {
            compact(pending, nextSeq);
        }
    }

    private void compact(Collection<StateLog> pending, long nextSeq) {
        StringBuilder out = new StringBuilder();
        out.append(record("N", Long.toString(nextSeq)));
        if (acknowledges) {
            out.append(record("K", "1"));
        }
        for (StateLog log : pending) {
            out.append(record("L", codec.encode(log)));
        }
        try {
            channel.close();
            AtomicFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
            channel = openForAppend(file);
            records = pending.size() + 1;
        } catch (IOException e) {
            LOG.error("cannot compact {}: {}", file, e.getMessage());
            try {
                channel = openForAppend(file);
            } catch (IOException again) {
                LOG.error("cannot reopen {}: {}", file, again.getMessage());
            }
        }
    }

    private void append(String kind, String payload) {
        ByteBuffer buffer = ByteBuffer.wrap(record(kind, payload).getBytes(StandardCharsets.UTF_8));
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            records++;
            unsynced = true;
            scheduleSync();
        } catch (IOException e) {
            LOG.error("cannot append to {}: {}", file, e.getMessage());
        }
    }

    /** One sync {@value #SYNC_MILLIS} ms from now, unless one is already due. */
    private void scheduleSync() {
        if (!closed && syncScheduled.compareAndSet(false, true)) {
            syncer = StoreThread.get().schedule(this::scheduledSync, SYNC_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void scheduledSync() {
        syncScheduled.set(false);
        sync();
        if (unsynced) {
            scheduleSync(); // the channel was swapped under the sync: sync the new one
        }
    }

    private void sync() {
        if (!unsynced) {
            return;
        }
        unsynced = false;
        try {
            channel.force(false);
        } catch (java.nio.channels.ClosedChannelException e) {
            unsynced = true; // compaction swapped the channel; the next run syncs the new one
        } catch (IOException e) {
            LOG.warn("cannot sync {}: {}", file, e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> pending = syncer;
        if (pending != null) {
            pending.cancel(false);
        }
        sync();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("cannot close {}: {}", file, e.getMessage());
        }
    }

    private static FileChannel openForAppend(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        AtomicFiles.setOwnerOnly(file);
        return ch;
    }

    private static String record(String kind, String payload) {
        return kind + " " + crc(payload) + " " + payload + "\n";
    }

    private static String crc(String payload) {
        CRC32 crc = new CRC32();
        crc.update(payload.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }
}
