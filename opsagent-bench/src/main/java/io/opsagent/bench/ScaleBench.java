package io.opsagent.bench;

import io.opsagent.fsm.AgentIdentity;
import io.opsagent.fsm.ConnectionSettings;
import io.opsagent.fsm.EventLoop;
import io.opsagent.fsm.OpsAgent;
import io.opsagent.fsm.SingleThreadEventLoop;
import io.opsagent.fsm.exec.NativeExecutor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many agents built with the library in this JVM against one reference backend in another
 * process (so that this JVM holds only agents): the time until every agent has hand-shaken and
 * until every agent has reported the first state of the recipe the backend pushes after each
 * Handshake, then the heap used after a full GC, the thread count by kind and the resident set.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl opsagent-bench -am package -DskipTests} then
 * {@code java -Xmx256m -cp opsagent-bench/target/benchmarks.jar io.opsagent.bench.ScaleBench
 * [--agents 1000] [--shared-loops N]}; with {@code --shared-loops N} the agents share N event
 * loops instead of having one each.
 */
public final class ScaleBench {

    private static final Pattern LISTENING = Pattern.compile("listening on (ws://\\S+?);");
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private ScaleBench() { }

    public static void main(String[] args) throws Exception {
        int agents = 1000;
        int sharedLoops = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--agents":
                    agents = Integer.parseInt(args[++i]);
                    break;
                case "--shared-loops":
                    sharedLoops = Integer.parseInt(args[++i]);
                    break;
                default:
                    System.err.println("usage: ScaleBench [--agents N] [--shared-loops N]");
                    System.exit(1);
                    return;
            }
        }
        System.exit(new ScaleBench().run(agents, sharedLoops));
    }

    private int run(int count, int sharedLoops) throws Exception {
        Path recipe = Files.createTempFile("opsagent-scale-recipe-", ".json");
        Files.writeString(recipe, "{\"recipe_version\":1,\"state\":[{\"id\":\"c0\",\"module\":\"meta.comment\","
                + "\"parameter\":{\"comment\":\"scale\"}}]}");
        Process backend = new ProcessBuilder(javaBinary(), "-Xss512k", "-cp", System.getProperty("java.class.path"),
                "io.opsagent.backend.cli.BackendCommand", "--port", "0", "--recipe", recipe.toString())
                .redirectErrorStream(true).start();
        AtomicInteger handshakes = new AtomicInteger();
        AtomicInteger stateLogs = new AtomicInteger();
        CountDownLatch allHandshaken = new CountDownLatch(count);
        CountDownLatch allReported = new CountDownLatch(count);
        CompletableFuture<URI> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> readBackend(backend, url, handshakes, stateLogs, allHandshaken, allReported),
                "scale-backend-output");
        reader.setDaemon(true);
        reader.start();
        List<OpsAgent> started = new ArrayList<>();
        List<SingleThreadEventLoop> loops = new ArrayList<>();
        try {
            URI backendUrl = url.get(60, TimeUnit.SECONDS);
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long heapBefore = usedHeapAfterGc(memory);
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            for (int i = 0; i < sharedLoops; i++) {
                loops.add(new SingleThreadEventLoop("opsagent-loop-shared-" + i));
            }
            System.err.printf("scale: starting %d agents against %s (%s)%n", count, backendUrl,
                    sharedLoops == 0 ? "one event loop each" : sharedLoops + " shared event loops");
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                OpsAgent.Builder builder = OpsAgent.builder()
                        .identity(new AgentIdentity(String.format(Locale.ROOT, "i-scale-%05d", i), "app-scale",
                                "bench", "token-" + i))
                        .executor(new NativeExecutor())
                        .connection(ConnectionSettings.builder(backendUrl).build())
                        .roundInterval(Duration.ofHours(1));
                if (sharedLoops > 0) {
                    EventLoop loop = loops.get(i % sharedLoops);
                    builder.eventLoop(loop);
                }
                OpsAgent agent = builder.build();
                agent.start();
                started.add(agent);
            }
            long startedAll = System.nanoTime();
            boolean handshaken = allHandshaken.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            long handshakenAt = System.nanoTime();
            boolean reported = allReported.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            long reportedAt = System.nanoTime();
            if (!handshaken || !reported) {
                System.err.printf("scale: only %d Handshakes and %d StateLogs from %d agents within %d s%n",
                        handshakes.get(), stateLogs.get(), count, TIMEOUT.toSeconds());
                return 2;
            }
            pause(Duration.ofSeconds(2));
            long heapAfter = usedHeapAfterGc(memory);
            Map<String, Integer> threads = threadsByKind();
            int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
            long rssKib = procStatus("VmRSS");
            long maxHeap = memory.getHeapMemoryUsage().getMax();

            System.out.printf(Locale.ROOT, "agents:                       %d (%s)%n", count,
                    sharedLoops == 0 ? "one event loop each" : sharedLoops + " shared event loops");
            System.out.printf(Locale.ROOT, "JVM:                          %s, max heap %d MiB, %d CPUs%n",
                    System.getProperty("java.vm.version"), maxHeap / (1024 * 1024),
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "agents created and started:   %.0f ms%n", (startedAll - t0) / 1e6);
            System.out.printf(Locale.ROOT, "all hand-shaken:              %.0f ms after the first start%n",
                    (handshakenAt - t0) / 1e6);
            System.out.printf(Locale.ROOT, "all reported the recipe:      %.0f ms after the first start%n",
                    (reportedAt - t0) / 1e6);
            System.out.printf(Locale.ROOT, "heap used after GC:           %.1f MiB (%.1f MiB before the agents; "
                    + "%.1f KiB per agent)%n", mib(heapAfter), mib(heapBefore),
                    (heapAfter - heapBefore) / 1024.0 / count);
            System.out.printf(Locale.ROOT, "threads:                      %d (%d before the agents)%n", threadsAfter,
                    threadsBefore);
            threads.forEach((kind, n) -> System.out.printf(Locale.ROOT, "  %-28s%d%n", kind, n));
            System.out.printf(Locale.ROOT, "resident set (VmRSS):         %.1f MiB%n", rssKib / 1024.0);
            return 0;
        } finally {
            for (OpsAgent agent : started) {
                agent.close();
            }
            for (SingleThreadEventLoop loop : loops) {
                loop.execute(loop::shutdown);
            }
            backend.destroy();
            backend.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(recipe);
        }
    }

    /** Reads the backend's frame lines: its URL, then Handshakes and StateLogs. */
    private static void readBackend(Process backend, CompletableFuture<URI> url, AtomicInteger handshakes,
            AtomicInteger stateLogs, CountDownLatch allHandshaken, CountDownLatch allReported) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(backend.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!url.isDone()) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(URI.create(m.group(1)));
                    }
                }
                if (line.contains(" <- {\"code\":\"Handshake\"")) {
                    handshakes.incrementAndGet();
                    allHandshaken.countDown();
                } else if (line.contains(" <- {\"code\":\"StateLog\"")) {
                    stateLogs.incrementAndGet();
                    allReported.countDown();
                }
            }
        } catch (IOException e) {
            url.completeExceptionally(e);
        }
        url.completeExceptionally(new IOException("the backend exited"));
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 4; i++) {
            memory.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Live threads by name with digits dropped ({@code opsagent-loop}, {@code OkHttp ...}). */
    private static Map<String, Integer> threadsByKind() {
        Map<String, Integer> kinds = new TreeMap<>();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            String kind = info.getThreadName().replaceAll("ws://\\S+", "<url>").replaceAll("[0-9]+", "N");
            kinds.merge(kind, 1, Integer::sum);
        }
        return kinds;
    }

    private static long procStatus(String field) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static void pause(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }
}
