package io.opsagent.fsm.internal.exec.process;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one output stream of a child process to its end, keeping only what its
 * {@link OutputLimit} allows: the head grows up to its limit, the tail is a ring buffer.
 * Memory use is bounded by the limit however much the process writes. Thread-safe: one thread
 * runs {@link #run()}, any thread may take a {@link #snapshot()}.
 */
final class OutputCollector implements Runnable {

    private static final int CHUNK = 8192;

    private final InputStream in;
    private final OutputLimit limit;
    private final CompletableFuture<CapturedOutput> done = new CompletableFuture<>();

    private byte[] head = new byte[0];
    private int headLength;
    private final byte[] ring;
    private long ringWritten;
    private long total;

    OutputCollector(InputStream in, OutputLimit limit) {
        this.in = in;
        this.limit = limit;
        this.ring = new byte[limit.tailBytes()];
    }

    /** Completes with the captured output when the stream ends (or fails to read). */
    CompletableFuture<CapturedOutput> done() {
        return done;
    }

    @Override
    public void run() {
        byte[] buffer = new byte[CHUNK];
        try (InputStream stream = in) {
            int n;
            while ((n = stream.read(buffer)) >= 0) {
                append(buffer, n);
            }
        } catch (IOException e) {
            // the stream was closed under us (process killed, pipe broken): keep what we have
        } finally {
            done.complete(snapshot());
        }
    }

    /** What has been kept so far. */
    synchronized CapturedOutput snapshot() {
        int kept = (int) Math.min(ringWritten, ring.length);
        byte[] tail = new byte[kept];
        if (kept > 0) {
            int end = (int) (ringWritten % ring.length);
            int start = (end - kept + ring.length) % ring.length;
            if (start < end) {
                System.arraycopy(ring, start, tail, 0, kept);
            } else {
                int first = ring.length - start;
                System.arraycopy(ring, start, tail, 0, first);
                System.arraycopy(ring, 0, tail, first, end);
            }
        }
        return new CapturedOutput(Arrays.copyOf(head, headLength), tail, total);
    }

    private synchronized void append(byte[] buffer, int n) {
        total += n;
        int offset = 0;
        int headRoom = limit.headBytes() - headLength;
        if (headRoom > 0) {
            int take = Math.min(headRoom, n);
            ensureHeadCapacity(headLength + take);
            System.arraycopy(buffer, 0, head, headLength, take);
            headLength += take;
            offset = take;
        }
        if (ring.length == 0) {
            return;
        }
        for (int i = offset; i < n; ) {
            int pos = (int) (ringWritten % ring.length);
            int take = Math.min(n - i, ring.length - pos);
            System.arraycopy(buffer, i, ring, pos, take);
            ringWritten += take;
            i += take;
        }
    }

    private void ensureHeadCapacity(int needed) {
        if (needed > head.length) {
            int grown = Math.max(needed, Math.min(limit.headBytes(), Math.max(CHUNK, head.length * 2)));
            head = Arrays.copyOf(head, grown);
        }
    }
}
