package io.opsagent.fsm.internal.exec.process;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A long-lived child that talks over its standard input and output, one line per message
 * (unlike {@link ManagedProcess}, whose input is {@code /dev/null} and whose output is read to
 * the end). Its stderr is handed line by line to a consumer (the agent's log). Started through
 * {@link ProcessLauncher#startResident}, in a session of its own when {@code setsid} is
 * available, so {@link #killTree()} reaches every process it started.
 *
 * <p>One thread at a time talks to it (writes a request, reads the reply); {@link #killTree()}
 * may come from any thread and makes a blocked {@link #readLine} return.
 */
public final class ResidentProcess implements KillableTree {

    private static final int SWEEP_ROUNDS = 20;
    private static final long SWEEP_WAIT_MILLIS = 500;
    private static final Path PROC = Path.of("/proc");

    private final Process process;
    private final long sessionId;
    private final OutputStream in;
    private final InputStream out;

    ResidentProcess(Process process, boolean sessionLeader, Consumer<String> stderrLines, Executor io) {
        this.process = process;
        this.sessionId = sessionLeader ? process.pid() : -1;
        this.in = process.getOutputStream();
        this.out = process.getInputStream();
        io.execute(() -> drain(process.getErrorStream(), stderrLines));
    }

    @Override
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status, once the process has exited. */
    public OptionalLong exitCode() {
        return process.isAlive() ? OptionalLong.empty() : OptionalLong.of(process.exitValue());
    }

    /** Writes {@code line} and a newline (UTF-8) to the process's standard input and flushes. */
    public void writeLine(String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /**
     * Reads one line (without its newline) from the process's standard output; blocks until a
     * whole line has come.
     *
     * @return the line, or empty at the end of the output (the process exited or was killed)
     * @throws LineTooLongException when the line exceeds {@code maxBytes}; the rest is not read
     */
    public Optional<String> readLine(int maxBytes) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = out.read();
            if (b < 0) {
                return Optional.empty();
            }
            if (b == '\n') {
                return Optional.of(line.toString(StandardCharsets.UTF_8));
            }
            if (line.size() >= maxBytes) {
                throw new LineTooLongException(maxBytes);
            }
            line.write(b);
        }
    }

    /** Closes the process's standard input: a well-behaved process then exits on its own. */
    public void closeInput() {
        try {
            in.close();
        } catch (IOException e) {
            // already closed or the process is gone: nothing to do
        }
    }

    /** Waits up to {@code grace} for the process to exit on its own; true when it did. */
    public boolean awaitExit(Duration grace) {
        try {
            return process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public int killTree() {
        Set<ProcessHandle> members = ProcessTree.members(process.toHandle(), sessionId);
        for (ProcessHandle p : members) {
            p.destroyForcibly();
        }
        return members.size();
    }

    /**
     * Kills the tree until no process of it is left, waiting for each round to take effect.
     *
     * @return true when nothing of the tree is left; false when processes survived every round
     *     (only a process stuck in the kernel does)
     */
    public boolean killTreeAndAwaitGone() {
        for (int round = 0; round < SWEEP_ROUNDS; round++) {
            Set<ProcessHandle> left = ProcessTree.members(process.toHandle(), sessionId);
            if (left.isEmpty()) {
                return true;
            }
            for (ProcessHandle p : left) {
                p.destroyForcibly();
            }
            try {
                CompletableFuture.allOf(left.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                        .get(SWEEP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // check again in the next round
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ProcessTree.members(process.toHandle(), sessionId).isEmpty();
    }

    /** The resident set size of the process itself, in KiB, from {@code /proc/<pid>/status}; empty where unknown. */
    public OptionalLong residentKib() {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid())).resolve("status"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(6).replace("kB", "").strip()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc, or the process is gone
        }
        return OptionalLong.empty();
    }

    private static void drain(InputStream err, Consumer<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.accept(line);
            }
        } catch (IOException | RuntimeException e) {
            // the stream ended with the process
        }
    }

    /** A line on the process's output longer than the reader accepts. */
    public static final class LineTooLongException extends IOException {

        private static final long serialVersionUID = 1L;

        LineTooLongException(int maxBytes) {
            super("a line of more than " + maxBytes + " bytes");
        }
    }
}
