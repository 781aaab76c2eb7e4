package io.opsagent.fsm.internal.exec.process;

import io.opsagent.fsm.internal.store.AtomicFiles;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A durable record of the state processes that run, so that an agent that was killed can kill
 * what it left running before it runs the same state again.
 *
 * <p>Before a process starts, a fresh mark is written to the ledger and handed to the
 * child in its environment as {@value #MARK_VARIABLE}; every process of its tree inherits it.
 * Once the child runs, its session id and its start time (from {@code /proc/<pid>/stat}, which
 * tells a reused pid from the one recorded) are written next to the mark. When its tree is gone
 * the entry is removed. At start-up, {@link #killLeftovers()} kills every process that carries a
 * recorded mark or belongs to a recorded session (a pid reused since, by a process started
 * later, is left alone) and empties the ledger.
 *
 * <p>Each entry also names the state it was started for ({@link #runningState}), so that what a
 * killed agent left behind can be told in that state's next StateLog even when the round's
 * position was not stored yet.
 *
 * <p>The file is one line per running process: {@code <mark> <session id> <start time> <recipe
 * version> <state id>}, session and start 0 until known, version 0 and id {@code -} when no state
 * was named, the id URL-encoded (UTF-8). Lines of three fields (no state) are read too.
 */
public final class ProcessLedger {

    /** The environment variable that carries a process's mark. */
    public static final String MARK_VARIABLE = "OPSAGENT_STATE_MARK";

    private static final Logger LOG = LogManager.getLogger(ProcessLedger.class);
    private static final int KILL_ROUNDS = 10;

    private final Path file;
    private final Map<String, long[]> running = new LinkedHashMap<>();
    private final Map<String, String> owners = new LinkedHashMap<>();
    /** The state processes are started for now, as written in the file: {@code <version> <encoded id>}. */
    private volatile String owner = NO_OWNER;
    private static final String NO_OWNER = "0 -";

    /**
     * What a previous run left running: the pids killed, and the state the last recorded process
     * was started for (null id when the record does not say).
     */
    public record Leftovers(List<Long> killed, long recipeVersion, String stateId) {
        public Leftovers {
            killed = List.copyOf(killed);
        }
    }

    public ProcessLedger(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The processes started from now on are for state {@code stateId} of recipe {@code recipeVersion}. */
    public void runningState(long recipeVersion, String stateId) {
        owner = recipeVersion + " " + URLEncoder.encode(stateId, StandardCharsets.UTF_8);
    }

    /** Records a new mark before its process starts, and returns it. */
    synchronized String beforeStart() {
        String mark = UUID.randomUUID().toString();
        running.put(mark, new long[] {0, 0});
        owners.put(mark, owner);
        write();
        return mark;
    }

    /** Records the session and start time of the process that carries {@code mark}. */
    synchronized void started(String mark, long pid, boolean sessionLeader) {
        long startTime = ProcessTree.startTimeOf(pid).orElse(0L);
        running.put(mark, new long[] {sessionLeader ? pid : 0, startTime});
        write();
    }

    /** Forgets {@code mark}: its process tree is gone. */
    synchronized void finished(String mark) {
        owners.remove(mark);
        if (running.remove(mark) != null) {
            write();
        }
    }

    private void write() {
        StringBuilder text = new StringBuilder();
        running.forEach((mark, ids) -> text.append(mark).append(' ').append(ids[0]).append(' ').append(ids[1])
                .append(' ').append(owners.getOrDefault(mark, NO_OWNER)).append('\n'));
        // Replaced by a rename, without fsync: the file must outlive the agent's process, which
        // the page cache does; what would need an fsync (a power loss, a kernel crash) also ends
        // every process the file could name. So a start costs no disk flush.
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            if (running.isEmpty()) {
                Files.deleteIfExists(file);
            } else {
                Files.write(temp, text.toString().getBytes(StandardCharsets.US_ASCII));
                AtomicFiles.setOwnerOnly(temp);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            LOG.error("cannot record the running state processes in {}: {}", file, e.getMessage());
        }
    }

    /**
     * Kills every process left by a previous run of the agent, as the ledger records it, and
     * empties the ledger. Call before anything starts.
     *
     * @return the pids killed, in the order found; empty when nothing was left
     */
    public List<Long> killLeftovers() {
        return sweep().killed();
    }

    /**
     * {@link #killLeftovers()}, telling also which state the last recorded process was started for.
     */
    public synchronized Leftovers sweep() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return new Leftovers(List.of(), 0, null);
        } catch (IOException e) {
            LOG.error("cannot read {}: {}; processes a previous run left may still run", file, e.getMessage());
            return new Leftovers(List.of(), 0, null);
        }
        Set<String> marks = new LinkedHashSet<>();
        List<long[]> sessions = new ArrayList<>();
        long ownerVersion = 0;
        String ownerId = null;
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if ((f.length != 3 && f.length != 5) || f[0].isEmpty()) {
                continue; // a torn line: its mark alone would be of no use
            }
            marks.add(MARK_VARIABLE + "=" + f[0]);
            if (f.length == 5 && !f[4].equals("-")) {
                try {
                    long version = Long.parseLong(f[3]);
                    String id = URLDecoder.decode(f[4], StandardCharsets.UTF_8);
                    ownerVersion = version;
                    ownerId = id;
                } catch (IllegalArgumentException e) {
                    // a damaged state name: the processes are still found by their mark
                }
            }
            try {
                long sid = Long.parseLong(f[1]);
                long start = Long.parseLong(f[2]);
                if (sid > 0 && start > 0) {
                    sessions.add(new long[] {sid, start});
                }
            } catch (NumberFormatException e) {
                // the mark still finds the processes
            }
        }
        Set<Long> killed = new LinkedHashSet<>();
        for (int round = 0; round < KILL_ROUNDS; round++) {
            Set<ProcessHandle> left = find(marks, sessions);
            if (left.isEmpty()) {
                break;
            }
            for (ProcessHandle p : left) {
                killed.add(p.pid());
                p.destroyForcibly();
            }
            try {
                CompletableFuture.allOf(left.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                        .get(500, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // look again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.error("cannot remove {}: {}", file, e.getMessage());
        }
        return new Leftovers(List.copyOf(killed), ownerVersion, ownerId);
    }

    private static Set<ProcessHandle> find(Set<String> marks, List<long[]> sessions) {
        Set<ProcessHandle> found = new LinkedHashSet<>(ProcessTree.withEnvironmentEntry(marks));
        for (long[] s : sessions) {
            long sid = s[0];
            long recordedStart = s[1];
            // The leader's pid reused by a process started later: that session is not ours.
            long leaderStart = ProcessTree.startTimeOf(sid).orElse(recordedStart);
            if (leaderStart != recordedStart) {
                continue;
            }
            for (ProcessHandle p : ProcessTree.sessionMembers(sid)) {
                if (ProcessTree.startTimeOf(p.pid()).orElse(Long.MAX_VALUE) >= recordedStart) {
                    found.add(p);
                }
            }
        }
        long self = ProcessHandle.current().pid();
        found.removeIf(p -> p.pid() == self || !ProcessTree.isRunning(p));
        return found;
    }
}
