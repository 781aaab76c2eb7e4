package io.opsagent.bench;

import io.opsagent.fsm.SingleThreadEventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What one hand-off from a socket's reader thread to the agent's event loop costs: the time
 * from {@code execute} on the posting thread to the task starting on the loop's thread, after
 * a pause in which the loop's thread was parked, as it is when a push arrives. This is the most
 * that dispatching a decoded message on the reader thread itself could take off a push.
 *
 * <p>Run: {@code java -cp opsagent-bench/target/benchmarks.jar io.opsagent.bench.LoopHandOff
 * [--iterations 300] [--warmup 30] [--pause-ms 20]} (add the JVM options of {@code bin/opsagent}
 * to measure what the daemon does).
 */
public final class LoopHandOff {

    private LoopHandOff() { }

    public static void main(String[] args) throws Exception {
        int iterations = 300;
        int warmup = 30;
        long pauseMs = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--pause-ms" -> pauseMs = Long.parseLong(args[++i]);
                default -> {
                    System.err.println("usage: LoopHandOff [--iterations N] [--warmup N] [--pause-ms MS]");
                    System.exit(1);
                }
            }
        }
        System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).strip());
        SingleThreadEventLoop loop = new SingleThreadEventLoop("opsagent-loop");
        double[] micros = new double[iterations];
        try {
            for (int i = -warmup; i < iterations; i++) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMs));
                CompletableFuture<Long> started = new CompletableFuture<>();
                long posted = System.nanoTime();
                loop.execute(() -> started.complete(System.nanoTime()));
                long delay = started.get(10, TimeUnit.SECONDS) - posted;
                if (i >= 0) {
                    micros[i] = delay / 1e3;
                }
            }
        } finally {
            loop.shutdown();
        }
        Arrays.sort(micros);
        System.out.printf("hand-off to the loop (us), n=%d after %d warm-up, %d ms pause: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n",
                iterations, warmup, pauseMs, at(micros, 0.50), at(micros, 0.90), at(micros, 0.99), micros[micros.length - 1]);
    }

    private static double at(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
