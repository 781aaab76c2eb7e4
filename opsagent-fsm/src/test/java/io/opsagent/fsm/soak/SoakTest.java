package io.opsagent.fsm.soak;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.BackoffPolicy;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.ConnectionState;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.exec.ExecutorKind;
import io.opsagent.fsm.exec.ExecutorSettings;
import io.opsagent.fsm.exec.StateExecutors;
import io.opsagent.backend.Frame;
import io.opsagent.backend.Recipe;
import io.opsagent.backend.ReferenceBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minutes of faults against one in-process agent, watching for leaks: heap after a full GC, live
 * threads and open file descriptors are sampled at every backend restart and must stay flat.
 *
 * <p>Not part of the default build: {@code ./mvnw -B -Psoak -pl opsagent-fsm test} (see
 * docs/reliability.md). {@code -Dopsagent.soak.seconds=N} sets the length (default 540 s),
 * {@code -Dopsagent.soak.sampleSeconds=N} the period of samples and backend restarts (15 s).
 *
 * <p>The agent runs real rounds with the built-in executor (a comment, a file, three commands, one
 * of which fails every 13th run and sends the round into its retry attempt), a state directory
 * (round.json, outbox journal), a round interval of 100 ms and a reconnect backoff of 10-100 ms.
 * Meanwhile the driver cycles through: reset the connection; close it cleanly; answer the next
 * three Handshakes with AppNotReady; refuse the next connections with HTTP 503; push a new recipe
 * version (cancelling the running state). At every sample the ReferenceBackend is replaced by a
 * new one on the same port (a backend restart), which also frees the old one's records, so what
 * the heap holds is the agent's.
 */
@Tag("soak")
class SoakTest {

    private static final Duration LENGTH = Duration.ofSeconds(Long.getLong("opsagent.soak.seconds", 540));
    private static final Duration SAMPLE = Duration.ofSeconds(Long.getLong("opsagent.soak.sampleSeconds", 15));
    private static final Duration STEP = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** Every seq the backends received, across backend restarts. */
    private final BitSet seqs = new BitSet();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong resends = new AtomicLong();
    private ReferenceBackend backend;
    private Recipe recipe;
    private int port;

    record Sample(long seconds, long heapBytes, int threads, long fds, int outbox, long logs, long handshakes) { }

    @Test
    void reconnectAndNotReadyLoopsAndRoundsKeepHeapThreadsAndDescriptorsFlat() throws Exception {
        Files.createDirectories(dir.resolve("out"));
        recipe = recipe(1);
        backend = backendOnAFixedPort();
        port = backend.port();
        OpsAgent agent = OpsAgent.builder()
                .identity(new AgentIdentity("i-soak", "app-soak", "soak", "soak-token"))
                .executor(StateExecutors.create(new ExecutorSettings(ExecutorKind.NATIVE, null, null,
                        Files.createDirectories(dir.resolve("work")))))
                .stateDirectory(dir.resolve("state"))
                .roundInterval(Duration.ofMillis(100))
                .backoff(BackoffPolicy.proportional(Duration.ofMillis(50), Duration.ofMillis(200), 0.2))
                .random(new Random(7))
                .connection(ConnectionSettings.builder(backend.url())
                        .reconnect(Duration.ofMillis(10), Duration.ofMillis(100))
                        .notReadyRetry(Duration.ofMillis(50))
                        .pingInterval(Duration.ofSeconds(1))
                        .build())
                .build();
        agent.start();

        List<Sample> samples = new ArrayList<>();
        long handshakesBefore = 0;
        long start = System.nanoTime();
        long nextSample = start + SAMPLE.toNanos();
        long end = start + LENGTH.toNanos();
        int cycle = 0;
        long cuts = 0;
        long notReady = 0;
        long refused = 0;
        long restarts = 0;
        long pushes = 0;
        try {
            while (System.nanoTime() < end) {
                awaitOnline(agent);
                long logsBefore = logs();
                switch (cycle++ % 5) {
                    case 0 -> {
                        long h = backend.handshakes().size();
                        if (cut(() -> backend.cancelConnection())) {
                            cuts++;
                            await(() -> backend.handshakes().size() > h, "a Handshake after a reset");
                        }
                    }
                    case 1 -> {
                        long h = backend.handshakes().size();
                        if (cut(() -> backend.closeConnection(1001, "soak: going away"))) {
                            cuts++;
                            await(() -> backend.handshakes().size() > h, "a Handshake after a close");
                        }
                    }
                    case 2 -> {
                        long h = backend.handshakes().size();
                        backend.setAppNotReadyReplies(3);
                        if (cut(() -> backend.cancelConnection())) {
                            notReady += 3;
                            await(() -> backend.handshakes().size() >= h + 4, "three AppNotReady and a Handshake");
                        } else {
                            backend.setAppNotReadyReplies(0);
                        }
                    }
                    case 3 -> {
                        long refusedBefore = refusedAttempts();
                        long h = backend.handshakes().size();
                        backend.setRefuseConnections(true);
                        if (cut(() -> backend.cancelConnection())) {
                            await(() -> refusedAttempts() >= refusedBefore + 3, "three refused attempts");
                            refused += refusedAttempts() - refusedBefore;
                        }
                        backend.setRefuseConnections(false);
                        await(() -> backend.handshakes().size() > h, "a Handshake after the refusals");
                    }
                    default -> {
                        recipe = recipe(recipe.version() + 1);
                        backend.setRecipeOnHandshake(recipe);
                        if (cut(() -> backend.pushRecipe(recipe))) {
                            pushes++;
                        }
                    }
                }
                await(() -> logs() >= logsBefore + 3, "rounds to go on and their logs to arrive");

                if (System.nanoTime() >= nextSample) {
                    handshakesBefore += backend.handshakes().size();
                    backend.close();
                    backend = newBackend(port);
                    restarts++;
                    samples.add(sample(start, agent, handshakesBefore));
                    System.out.println("soak " + samples.get(samples.size() - 1));
                    nextSample += SAMPLE.toNanos();
                }
            }
            awaitOnline(agent);
            await(() -> agent.outboxDepth() == 0, "the outbox to drain");
        } finally {
            agent.close();
            backend.close();
        }

        print(samples, cuts, notReady, refused, restarts, pushes);
        int max = seqs.length() - 1;
        assertThat(seqs.cardinality()).as("no seq is missing up to %d", max).isEqualTo(max);
        assertThat(seqs.get(0)).isFalse();

        assertThat(samples).as("enough samples to compare").hasSizeGreaterThanOrEqualTo(6);
        int third = samples.size() / 3;
        List<Sample> first = samples.subList(0, third);
        List<Sample> last = samples.subList(samples.size() - third, samples.size());
        double heapFirst = first.stream().mapToLong(Sample::heapBytes).average().orElseThrow();
        double heapLast = last.stream().mapToLong(Sample::heapBytes).average().orElseThrow();
        assertThat(heapLast).as("heap after GC, last third vs first third (bytes)")
                .isLessThanOrEqualTo(heapFirst * 1.15 + 2 * 1024 * 1024);
        assertThat(last.stream().mapToInt(Sample::threads).max().orElseThrow())
                .as("threads, last third vs first third")
                .isLessThanOrEqualTo(first.stream().mapToInt(Sample::threads).max().orElseThrow() + 5);
        assertThat(last.stream().mapToLong(Sample::fds).max().orElseThrow())
                .as("open file descriptors, last third vs first third")
                .isLessThanOrEqualTo(first.stream().mapToLong(Sample::fds).max().orElseThrow() + 10);
    }

    // ------------------------------------------------------------------ the backend

    /**
     * A backend on a port below the ephemeral range, so that no outgoing connection (the agent's
     * own reconnect attempts included) can hold it while the backend restarts.
     */
    private ReferenceBackend backendOnAFixedPort() throws IOException {
        int ephemeralLow = 32768;
        try {
            ephemeralLow = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // keep Linux's default
        }
        Random random = new Random();
        for (int i = 0; i < 100; i++) {
            int candidate = 10_000 + random.nextInt(Math.max(1, ephemeralLow - 10_000));
            try {
                return newBackend(candidate);
            } catch (BindException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port below " + ephemeralLow);
    }

    /** Restarts the backend on the same port; waits while something still holds the port. */
    private ReferenceBackend newBackend(int onPort) throws IOException {
        ReferenceBackend b = ReferenceBackend.builder()
                .host(InetAddress.getLoopbackAddress())
                .port(onPort)
                .autoAck(true)
                .recipeOnHandshake(recipe)
                .build();
        b.addListener(this::onFrame);
        long deadline = System.nanoTime() + STEP.toNanos();
        while (true) {
            try {
                return b.start();
            } catch (BindException taken) {
                if (System.nanoTime() > deadline || port == 0) {
                    throw taken;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private void onFrame(Frame frame) {
        if (frame.kind() != Frame.Kind.RECEIVED || !frame.text().contains("\"code\":\"StateLog\"")) {
            return;
        }
        frames.incrementAndGet();
        JsonObject log = JsonParser.parseString(frame.text()).getAsJsonObject();
        int seq = log.get("seq").getAsInt();
        synchronized (seqs) {
            if (seqs.get(seq)) {
                resends.incrementAndGet();
            }
            seqs.set(seq);
        }
    }

    private long logs() {
        synchronized (seqs) {
            return seqs.cardinality();
        }
    }

    private long refusedAttempts() {
        return backend.connectionAttempts().stream().filter(a -> !a.accepted()).count();
    }

    /** Runs a fault that needs a connected agent; false when the agent was not connected just then. */
    private static boolean cut(Runnable fault) {
        try {
            fault.run();
            return true;
        } catch (IllegalStateException noAgentConnected) {
            return false;
        }
    }

    private Recipe recipe(long version) {
        return Recipe.version(version)
                .comment("hello", "soak round of version " + version)
                .state("file", "linux.file", params("path", dir.resolve("out/file.txt").toString(),
                        "content", "version " + version + "\n", "mode", "0600"))
                .state("true", "linux.cmd", params("cmd", "true", "cwd", dir.toString()))
                .state("output", "linux.cmd", params("cmd", "seq 1 3000", "cwd", dir.toString()))
                // Fails every 13th run: the round restarts at once in its retry attempt.
                .state("flaky", "linux.cmd", params("cmd",
                        "n=$$(cat n 2>/dev/null || echo 0); echo $$((n + 1)) > n; [ $$((n % 13)) -ne 0 ]",
                        "cwd", dir.toString()))
                .build();
    }

    private static JsonObject params(String... pairs) {
        JsonObject p = new JsonObject();
        for (int i = 0; i < pairs.length; i += 2) {
            p.addProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    // ------------------------------------------------------------------ sampling

    private Sample sample(long start, OpsAgent agent, long handshakes) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        long heap = memory.getHeapMemoryUsage().getUsed();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            fds = open.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), heap, threads, fds,
                agent.outboxDepth(), logs(), handshakes);
    }

    private void print(List<Sample> samples, long cuts, long notReady, long refused, long restarts, long pushes) {
        StringBuilder out = new StringBuilder("\nsoak: ").append(LENGTH.toSeconds()).append(" s, sample every ")
                .append(SAMPLE.toSeconds()).append(" s\n");
        out.append(String.format("%6s %10s %8s %6s %7s %8s %11s%n", "t(s)", "heap(KiB)", "threads", "fds", "outbox",
                "logs", "handshakes"));
        for (Sample s : samples) {
            out.append(String.format("%6d %10d %8d %6d %7d %8d %11d%n", s.seconds(), s.heapBytes() / 1024, s.threads(),
                    s.fds(), s.outbox(), s.logs(), s.handshakes()));
        }
        out.append(String.format("faults: %d connection cuts, %d AppNotReady replies, %d refused attempts, "
                + "%d backend restarts, %d new recipe versions%n", cuts, notReady, refused, restarts, pushes));
        out.append(String.format("StateLogs: %d distinct seqs, %d frames, %d resends of a seq already received%n",
                logs(), frames.get(), resends.get()));
        System.out.print(out);
    }

    // ------------------------------------------------------------------ waiting

    private void awaitOnline(OpsAgent agent) {
        await(() -> agent.connectionState() == ConnectionState.ONLINE && backend.connections().stream()
                .anyMatch(c -> c.isOpen()), "the agent to be online");
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + STEP.toSeconds() + " s waiting for " + what + "\n"
                        + backend.describeRecent(20));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }
}
